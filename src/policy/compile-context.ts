// Shared state while compiling: collected issues, the rule registry (ids are unique across the policy),
// overrides from settings, and the factories that precompute each rule's Decision.

import type { Decision, HeaderInjection, Mode } from '../domain/decision.js';
import type { RuleId } from '../domain/facts.js';
import type { ReasonCode } from '../domain/reason.js';
import { closest, type PolicyIssue } from './issues.js';
import type { OverrideSpec } from './schema.js';
import { reasonTexts, type TextContext } from './texts.js';
import type { CompiledRule, RuleInfo } from './types.js';

export type RuleKind = 'host' | 'path' | 'endpoint' | 'eligible' | 'rule' | 'builtin' | 'tenant';

export interface Where {
  readonly file: string;
  readonly line: number;
}

export interface RuleDef {
  readonly id: string;
  readonly kind: RuleKind;
  readonly reason: ReasonCode;
  /** The rule's own mode, else its provider's (the settings mode applies below both). */
  readonly mode: Mode | undefined;
  readonly action: 'block' | 'warn' | undefined;
  readonly enabled: boolean | undefined;
  readonly texts: TextContext;
  readonly explanation: string | undefined;
  readonly remedy: string | undefined;
  readonly source: string;
  readonly at: Where;
}

export const NO_INJECT: readonly HeaderInjection[] = Object.freeze([]);

export class CompileContext {
  readonly errors: PolicyIssue[] = [];
  readonly info = new Map<string, RuleInfo>();
  private readonly where = new Map<string, Where>();
  private readonly kinds = new Map<string, RuleKind>();

  constructor(
    /** `--mode`: beats every other mode. */
    private readonly forced: Mode | undefined,
    /** settings.mode (default enforce). */
    readonly globalMode: Mode,
    private readonly overrides: ReadonlyMap<string, OverrideSpec & { at: Where }>,
  ) {}

  error(at: Where, message: string): void {
    this.errors.push({ file: at.file, line: at.line, message });
  }

  /** Registers a rule id; reports a duplicate and returns false. */
  register(id: string, kind: RuleKind, at: Where): boolean {
    const first = this.where.get(id);
    if (first !== undefined) {
      this.error(
        at,
        `rule id '${id}' is already used at ${first.file}:${first.line}; give each rule its own id`,
      );
      return false;
    }
    this.where.set(id, at);
    this.kinds.set(id, kind);
    return true;
  }

  effectiveMode(id: string, own: Mode | undefined): Mode {
    return this.forced ?? this.overrides.get(id)?.mode ?? own ?? this.globalMode;
  }

  /** A blocking rule, or null when it is disabled. Builtins are registered once by the caller. */
  blockRule(def: RuleDef): CompiledRule | null {
    const o = this.overrides.get(def.id);
    const enabled = o?.enabled ?? def.enabled ?? true;
    const mode = this.effectiveMode(def.id, def.mode);
    const action = o?.action ?? def.action ?? 'block';
    this.info.set(def.id, {
      id: def.id as RuleId,
      reason: def.reason,
      mode,
      action,
      enabled,
      file: def.at.file,
      source: def.source,
    });
    if (!enabled) return null;
    const t = reasonTexts(def.reason, def.texts);
    const decision: Decision = Object.freeze({
      action: mode === 'enforce' ? action : 'report',
      reason: def.reason,
      ruleId: def.id as RuleId,
      explanation: def.explanation ?? t.explanation,
      remedy: def.remedy ?? t.remedy,
      inject: NO_INJECT,
    });
    return Object.freeze({ id: def.id as RuleId, reason: def.reason, enforce: mode === 'enforce', decision });
  }

  /** An allow decision (eligible endpoint, allowed host, tenant-restricted consumer host). */
  allowDecision(id: string, explanation: string, inject: readonly HeaderInjection[]): Decision {
    return Object.freeze({
      action: 'allow',
      reason: 'allowed',
      ruleId: id as RuleId,
      explanation,
      remedy: '',
      inject,
    });
  }

  enabledOverride(id: string): boolean | undefined {
    return this.overrides.get(id)?.enabled;
  }

  recordAllow(id: string, enabled: boolean, at: Where, source: string): void {
    this.info.set(id, {
      id: id as RuleId,
      reason: 'allowed',
      mode: 'enforce',
      action: 'allow',
      enabled,
      file: at.file,
      source,
    });
  }

  /** Checks every override against the rule it names (run after all rules are registered). */
  checkOverrides(): void {
    const ids = [...this.kinds.keys()];
    for (const [id, o] of this.overrides) {
      const kind = this.kinds.get(id);
      if (kind === undefined) {
        const near = closest(id, ids);
        const hint = near !== null ? `; did you mean '${near}'?` : '';
        this.error(
          o.at,
          `settings.overrides: no rule has the id '${id}'${hint} (zdr-egress policy explain shows rule ids)`,
        );
        continue;
      }
      if (kind === 'builtin' && (o.enabled !== undefined || o.action !== undefined)) {
        this.error(
          o.at,
          `settings.overrides.${id}: a builtin rule can only change its mode; remove enabled/action`,
        );
      }
      if (kind === 'tenant')
        this.error(o.at, `settings.overrides.${id}: tenant rules are configured in the tenants section`);
      if (kind === 'eligible' && (o.mode !== undefined || o.action !== undefined)) {
        this.error(
          o.at,
          `settings.overrides.${id}: '${id}' is an eligible endpoint (an allow rule); only enabled applies`,
        );
      }
      if (o.action !== undefined && kind !== 'host' && kind !== 'path') {
        this.error(
          o.at,
          `settings.overrides.${id}: action applies to host and path rules only (browser surfaces)`,
        );
      }
    }
  }
}
