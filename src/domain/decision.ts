import type { ReasonCode } from './reason.js';
import type { RuleId } from './facts.js';

export const ACTIONS = ['allow', 'block', 'report', 'warn'] as const;
/**
 * allow: forward unchanged. block: answer 403 ourselves. report: a would-be block let through
 * and recorded (report mode). warn: browser coach page with a Continue button (block for APIs).
 */
export type Action = (typeof ACTIONS)[number];

export type Mode = 'enforce' | 'report';

export interface HeaderInjection {
  /** Lower-case header name. Any client-sent copy is stripped before the value is set. */
  readonly name: string;
  readonly value: string;
}

export interface Decision {
  readonly action: Action;
  readonly reason: ReasonCode;
  readonly ruleId: RuleId;
  /** Plain-words sentence for employees and reviewers. Never quotes request content. */
  readonly explanation: string;
  /** What to do instead ("use the company's ZDR key through ..."). */
  readonly remedy: string;
  /** Tenant-restriction headers to set on the forwarded request (allow and report only). */
  readonly inject: readonly HeaderInjection[];
}
