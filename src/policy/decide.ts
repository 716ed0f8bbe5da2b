// decide(): the policy's answer for one request. Pure, synchronous and total; every Decision it
// returns was precomputed when the policy compiled, so a request costs lookups, not allocations
// (except a report decision on a host that injects tenant headers).

import type { Decision, HeaderInjection } from '../domain/decision.js';
import type { RequestFacts } from '../domain/facts.js';
import type { ReasonCode } from '../domain/reason.js';
import { FIXED } from './builtins.js';
import { findEndpoint } from './endpoints.js';
import { matchPath } from './paths.js';
import type {
  CompiledPolicy,
  CompiledRule,
  ConnectVerdict,
  Endpoint,
  HostAccess,
  HostEntry,
  TestRule,
} from './types.js';

export type { ConnectVerdict } from './types.js';

/** The first report-mode rule that matched; it answers only if nothing enforcing blocks. */
interface Seen {
  report: CompiledRule | null;
}

/**
 * Decides one request.
 *
 * Precedence. Rules are tried in this order; the first match in enforce mode answers (block, or warn
 * for a browser surface). A match in report mode is remembered and evaluation goes on; it answers
 * (action `report`, same reason) only when nothing enforcing blocks, so a rule under trial never
 * weakens the rules already enforced.
 *  1. Port: a port outside settings.allowed_ports -> port_not_allowed.
 *  2. Host: a host outside the catalog -> allow (builtin.unlisted_host); the proxy tunnels those.
 *  3. Path rules of the host, in file order; the first that matches the path decides it:
 *     reason `allowed` -> allow; otherwise its reason (consumer_surface, anonymous_use, ...).
 *  4. The host: a refused host (pinned app) -> connect_refused; a provider without ZDR ->
 *     provider_not_zdr; a blocked consumer, auxiliary, console or API host -> consumer_surface,
 *     console_surface or host_blocked; an allowed host (or a consumer host the tenant restriction
 *     allows) -> allow. API hosts go on:
 *  5. Endpoint: a data-retaining endpoint -> data_retaining_endpoint; a method and path not on the
 *     provider's ZDR-eligible list -> unknown_endpoint.
 *  6. Credential: none -> missing_credential; an OAuth kind (sk-ant-oat01-) -> oauth_token, unless a
 *     tenant header with allow_oauth_tokens restricts the organisation on this host; a fingerprint not
 *     approved for the provider -> unapproved_credential.
 *  7. Header rules of the endpoint (anthropic-beta values) -> retaining_beta.
 *  8. Body, when the endpoint has body rules and the request has a body: above the inspection cap ->
 *     body_too_large; not JSON -> body_unreadable; never inspected -> body_unreadable
 *     (builtin.body_not_inspected: fail closed); then the body rules in file order ->
 *     retaining_feature or retaining_tool.
 *  9. Allow, with the endpoint's id as rule id and the host's tenant-restriction headers in `inject`.
 * Cheap evidence comes first, and what no credential can fix (a retaining endpoint) before what one can.
 */
export function decide(facts: RequestFacts, policy: CompiledPolicy): Decision {
  const seen: Seen = { report: null };
  const d = evaluate(facts, policy, seen);
  if (d.action !== 'allow' || seen.report === null) return d;
  return withInject(seen.report.decision, d.inject);
}

/**
 * True when a body rule could apply to this host, method and path, and the request has a body: the
 * proxy then reads the body (up to the inspection cap) and calls classifyBody before decide.
 */
export function needsBody(facts: RequestFacts, policy: CompiledPolicy): boolean {
  if (facts.bodyState === 'none') return false;
  const entry = policy.lookupHost(facts.host);
  if (entry === null || entry.access.kind !== 'api') return false;
  const ep = findEndpoint(entry.catalog.endpoints, facts);
  return ep !== null && ep.retaining === null && ep.bodyRules.length > 0;
}

const TUNNEL: ConnectVerdict = Object.freeze({ kind: 'tunnel' });

/**
 * The verdict on a CONNECT, before any TLS: a port outside allowed_ports is refused (in report mode a
 * catalog host is intercepted instead, and its requests report the port; another host is tunnelled and
 * reported); a refused catalog host (pinned app) -> refuse connect_refused (tunnel_reported in report
 * mode); any other catalog host -> intercept; everything else -> tunnel.
 */
export function decideConnect(host: string, port: number, policy: CompiledPolicy): ConnectVerdict {
  const entry = policy.lookupHost(host);
  if (!policy.allowedPorts.has(port) && (entry === null || policy.builtins.portNotAllowed.enforce)) {
    return policy.builtins.portVerdict;
  }
  return entry === null ? TUNNEL : entry.connect;
}

/**
 * A decision for a condition the proxy detects itself (sni_mismatch, host_mismatch, internal_error,
 * policy_unavailable, decision_log_unavailable, body_too_large, port_not_allowed). Always a block with
 * rule id `builtin.<reason>`, whatever the mode: these are integrity failures, not policy. (`allowed`
 * and `coach_continue` answer allow.) Works without a policy, for policy_unavailable.
 */
export function fixedDecision(reason: ReasonCode, policy: CompiledPolicy | null): Decision {
  return (policy === null ? FIXED : policy.builtins.fixed)[reason];
}

function evaluate(facts: RequestFacts, policy: CompiledPolicy, seen: Seen): Decision {
  if (!policy.allowedPorts.has(facts.port)) {
    const stop = hit(policy.builtins.portNotAllowed, seen);
    if (stop !== null) return stop;
  }
  const entry = policy.lookupHost(facts.host);
  if (entry === null) return policy.builtins.unlisted;
  for (const p of entry.paths) {
    if (!matchPath(p.matcher, facts.path)) continue;
    if (p.kind === 'allow') return p.decision;
    const stop = hit(p.rule, seen);
    if (stop !== null) return stop;
    break;
  }
  return evaluateAccess(facts, policy, entry, entry.access, seen);
}

function evaluateAccess(
  facts: RequestFacts,
  policy: CompiledPolicy,
  entry: HostEntry,
  access: HostAccess,
  seen: Seen,
): Decision {
  switch (access.kind) {
    case 'block':
      return hit(access.rule, seen) ?? access.pass;
    case 'allow':
      return access.decision;
    case 'api': {
      const ep = findEndpoint(entry.catalog.endpoints, facts);
      const stop = evaluateApi(facts, policy, entry, ep, seen);
      if (stop !== null) return stop;
      // Reached with no eligible endpoint only when a report-mode rule matched: decide() reports it.
      return ep === null || ep.retaining !== null ? access.pass : (access.allow[ep.index] as Decision);
    }
  }
}

/** Steps 5 to 8; null when nothing enforcing blocks. */
function evaluateApi(
  facts: RequestFacts,
  policy: CompiledPolicy,
  entry: HostEntry,
  ep: Endpoint | null,
  seen: Seen,
): Decision | null {
  const b = entry.catalog.builtins;
  const endpointRule = ep === null ? b.unknownEndpoint : ep.retaining;
  if (endpointRule !== null) {
    const stop = hit(endpointRule, seen);
    if (stop !== null) return stop;
  }
  const credentialRule = checkCredential(facts, policy, entry);
  if (credentialRule !== null) {
    const stop = hit(credentialRule, seen);
    if (stop !== null) return stop;
  }
  if (ep === null || ep.retaining !== null) return null;
  return (
    scan(ep.headerRules, facts.betas, seen) ??
    (ep.bodyRules.length === 0 ? null : checkBody(facts, ep, b, seen))
  );
}

function checkCredential(facts: RequestFacts, policy: CompiledPolicy, entry: HostEntry): CompiledRule | null {
  const c = facts.credential;
  const b = entry.catalog.builtins;
  if (c === null) return b.missingCredential;
  if (entry.catalog.oauthKinds.has(c.kind)) return entry.oauthAllowed ? null : b.oauthToken;
  return policy.approved.get(entry.provider)?.has(c.fingerprint) === true ? null : b.unapprovedCredential;
}

function checkBody(
  facts: RequestFacts,
  ep: Endpoint,
  b: HostEntry['catalog']['builtins'],
  seen: Seen,
): Decision | null {
  switch (facts.bodyState) {
    case 'none':
      return null;
    case 'too_large':
      return hit(b.bodyTooLarge, seen);
    case 'unreadable':
      return hit(b.bodyUnreadable, seen);
    case 'not_inspected':
      return hit(b.bodyNotInspected, seen);
    case 'parsed':
      // 'parsed' without body facts is a classify bug: fail closed.
      return facts.body === null ? hit(b.bodyUnreadable, seen) : scan(ep.bodyRules, facts.body, seen);
  }
}

function scan<T>(rules: readonly TestRule<T>[], value: T, seen: Seen): Decision | null {
  for (const r of rules) {
    if (!r.test(value)) continue;
    const stop = hit(r.rule, seen);
    if (stop !== null) return stop;
  }
  return null;
}

/** An enforcing rule stops evaluation with its decision; a report-mode rule is remembered. */
function hit(rule: CompiledRule, seen: Seen): Decision | null {
  if (rule.enforce) return rule.decision;
  seen.report ??= rule;
  return null;
}

function withInject(d: Decision, inject: readonly HeaderInjection[]): Decision {
  return inject.length === 0 ? d : { ...d, inject };
}
