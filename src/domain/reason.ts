// The closed set of reason codes. Every decision carries exactly one. Operators match on these
// strings (block reports, alerts, X-ZDR-Egress-Reason), so a code is never renamed, only added.
// docs/reasons.md documents each one; a test keeps the two in step.

export const REASON_CODES = [
  // allow
  'allowed', // an allow rule matched: approved credential on a ZDR-eligible endpoint
  // host-level blocks
  'consumer_surface', // consumer chat app or its auxiliary hosts (chatgpt.com, claude.ai, ...)
  'console_surface', // provider console / workbench: not covered by ZDR
  'provider_not_zdr', // provider has no ZDR arrangement (e.g. DeepSeek)
  'host_blocked', // a host the policy blocks outright (custom rule)
  'connect_refused', // CONNECT refused before interception (pinned apps the policy blocks)
  'port_not_allowed', // CONNECT or request to a port outside the allowed set
  // interception integrity
  'sni_mismatch', // TLS SNI names another host than the CONNECT line
  'host_mismatch', // Host header inside an intercepted connection names another host
  // credential rules
  'missing_credential', // API host reached with no credential at all
  'unapproved_credential', // credential fingerprint not on the approved list
  'oauth_token', // Anthropic OAuth token (consumer subscriptions share the prefix)
  // endpoint rules
  'data_retaining_endpoint', // endpoint that stores data (files, batches, assistants, ...)
  'unknown_endpoint', // endpoint not in the ZDR-eligible allow-list of an API host
  'anonymous_use', // chatgpt.com/backend-anon/ when workspace restriction is on
  // body and header rules
  'retaining_feature', // body field that makes the provider store data (store, background, ...)
  'retaining_tool', // tool that keeps data (code execution, hosted shell, MCP, skills, ...)
  'retaining_beta', // anthropic-beta value enabling a non-ZDR feature
  'body_unreadable', // body needed by policy is not valid JSON
  'body_too_large', // body above the inspection cap: never forwarded uninspected
  // platform
  'policy_unavailable', // no valid policy loaded
  'decision_log_unavailable', // decision log failing and decision_log.on_failure is block_ai
  'internal_error', // an exception on an intercepted AI request: fail closed
  // egress safety and identity
  'egress_denied', // the destination resolves to a private, loopback or metadata address
  'client_not_allowed', // the client's address is outside the allowed client ranges
  'auth_required', // proxy authentication is on and the client did not (correctly) authenticate
  'coach_continue', // the user clicked Continue on a warn page
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export function isReasonCode(value: string): value is ReasonCode {
  return (REASON_CODES as readonly string[]).includes(value);
}
