// Builtin rules: the ones no catalog file defines (credential and endpoint checks worded per
// provider, the port rule, the host outside the catalog) and the fixed decisions the proxy uses for
// conditions it detects itself.

import type { Decision, Mode } from '../domain/decision.js';
import type { RuleId } from '../domain/facts.js';
import { REASON_CODES, type ReasonCode } from '../domain/reason.js';
import { NO_INJECT, type CompileContext, type Where } from './compile-context.js';
import { reasonTexts } from './texts.js';
import type { CompiledRule, ProviderBuiltins } from './types.js';

/** Reasons the proxy detects itself; fixedDecision answers them, always as a block. */
export const FIXED_REASONS = [
  'sni_mismatch',
  'host_mismatch',
  'internal_error',
  'policy_unavailable',
  'decision_log_unavailable',
  'body_too_large',
  'port_not_allowed',
  'egress_denied',
  'client_not_allowed',
  'auth_required',
] as const satisfies readonly ReasonCode[];

export const BUILTIN_IDS = [
  'builtin.port_not_allowed',
  'builtin.unknown_endpoint',
  'builtin.missing_credential',
  'builtin.unapproved_credential',
  'builtin.oauth_token',
  'builtin.body_unreadable',
  'builtin.body_not_inspected',
  'builtin.body_too_large',
] as const;

const BUILTIN_AT: Where = { file: 'builtin', line: 0 };

/** Registers the builtin ids once, so overrides can name them. */
export function registerBuiltins(ctx: CompileContext): void {
  for (const id of BUILTIN_IDS) ctx.register(id, 'builtin', BUILTIN_AT);
}

export function portRule(ctx: CompileContext): CompiledRule {
  return ctx.blockRule({
    id: 'builtin.port_not_allowed',
    kind: 'builtin',
    reason: 'port_not_allowed',
    mode: undefined,
    action: undefined,
    enabled: undefined,
    texts: { provider: '', subject: '' },
    explanation: undefined,
    remedy: undefined,
    source: 'settings.allowed_ports',
    at: BUILTIN_AT,
  }) as CompiledRule;
}

/** Builtins are never disabled (overrides may change their mode only), so blockRule returns a rule. */
export function providerBuiltins(
  ctx: CompileContext,
  name: string,
  mode: Mode | undefined,
): ProviderBuiltins {
  const make = (
    id: (typeof BUILTIN_IDS)[number],
    reason: ReasonCode,
    subject: string,
    explanation?: string,
  ): CompiledRule =>
    ctx.blockRule({
      id,
      kind: 'builtin',
      reason,
      mode,
      action: undefined,
      enabled: undefined,
      texts: { provider: name, subject },
      explanation,
      remedy:
        id === 'builtin.body_not_inspected'
          ? 'This is a proxy fault; report it with the decision id.'
          : undefined,
      source: 'zdr-egress builtin',
      at: BUILTIN_AT,
    }) as CompiledRule;
  return Object.freeze({
    unknownEndpoint: make('builtin.unknown_endpoint', 'unknown_endpoint', ''),
    missingCredential: make('builtin.missing_credential', 'missing_credential', `the ${name} API`),
    unapprovedCredential: make('builtin.unapproved_credential', 'unapproved_credential', ''),
    oauthToken: make('builtin.oauth_token', 'oauth_token', ''),
    bodyUnreadable: make('builtin.body_unreadable', 'body_unreadable', `the ${name} API`),
    bodyNotInspected: make(
      'builtin.body_not_inspected',
      'body_unreadable',
      '',
      `The request body to the ${name} API was not inspected, so the policy's body rules could not be checked (fail closed).`,
    ),
    bodyTooLarge: make('builtin.body_too_large', 'body_too_large', ''),
  });
}

function fixed(reason: ReasonCode): Decision {
  const t = reasonTexts(reason, { provider: '', subject: 'This request' });
  const allow = reason === 'allowed' || reason === 'coach_continue';
  return Object.freeze({
    action: allow ? 'allow' : 'block',
    reason,
    ruleId: `builtin.${reason}` as RuleId,
    ...t,
    inject: NO_INJECT,
  });
}

/** Every reason answered without a policy (fixedDecision with policy null uses the same table). */
export const FIXED = Object.freeze(Object.fromEntries(REASON_CODES.map((r) => [r, fixed(r)]))) as Readonly<
  Record<ReasonCode, Decision>
>;

export const UNLISTED: Decision = Object.freeze({
  action: 'allow',
  reason: 'allowed',
  ruleId: 'builtin.unlisted_host' as RuleId,
  explanation: 'The host is not in the AI catalog, so the policy does not restrict it.',
  remedy: '',
  inject: NO_INJECT,
});
