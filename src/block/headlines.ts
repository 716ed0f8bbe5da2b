// One short, employee-facing headline per reason code. The explanation and remedy under it come from
// the decision (written by the policy); this map only names the situation in plain words. A
// Record<ReasonCode, ...> makes a new reason code a type error until it has a headline here.

import type { ReasonCode } from '../domain/reason.js';

export const REASON_HEADLINES: Readonly<Record<ReasonCode, string>> = Object.freeze({
  allowed: 'This request was stopped',
  consumer_surface: "This AI service isn't approved for company data",
  console_surface: "This AI developer console isn't approved for company data",
  provider_not_zdr: "This AI provider isn't approved for company data",
  host_blocked: 'This site is blocked by company policy',
  connect_refused: "This app can't be used on the company network",
  port_not_allowed: "This connection isn't allowed on the company network",
  sni_mismatch: 'This connection looked unsafe, so it was stopped',
  host_mismatch: 'This connection looked unsafe, so it was stopped',
  missing_credential: 'This AI service needs an approved company key',
  unapproved_credential: "This key isn't an approved company key",
  oauth_token: "Personal AI subscriptions can't be used for company work",
  data_retaining_endpoint: 'This AI feature keeps your data, so it is turned off',
  unknown_endpoint: "This AI feature isn't on the approved list",
  anonymous_use: 'Please sign in with your company account',
  retaining_feature: 'This AI setting would keep a copy of your data',
  retaining_tool: 'This AI tool would keep a copy of your data',
  retaining_beta: 'This AI beta feature would keep a copy of your data',
  body_unreadable: "This AI request couldn't be checked, so it was stopped",
  body_too_large: 'This AI request is too large to check, so it was stopped',
  policy_unavailable: 'AI services are paused for a moment',
  decision_log_unavailable: 'AI services are paused for a moment',
  internal_error: 'Something went wrong, so this AI request was stopped',
  coach_continue: 'Check before you share company data',
  egress_denied: "This address can't be reached through the proxy",
  client_not_allowed: "This device isn't allowed to use the proxy",
  auth_required: 'Please sign in to the proxy',
});

/** The warn ("coach") page headline: the service is reachable, but the employee should think first. */
export const WARN_HEADLINE = 'Check before you share company data';

export function headlineFor(reason: ReasonCode): string {
  return REASON_HEADLINES[reason];
}
