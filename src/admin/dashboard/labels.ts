// Short human titles for reason codes on the dashboard (the code itself is shown beside them).
// Typed as a Record over ReasonCode so that a new code cannot be forgotten here.

import { isReasonCode, type ReasonCode } from '../../domain/reason.js';

const REASON_LABELS: Readonly<Record<ReasonCode, string>> = {
  allowed: 'Allowed',
  consumer_surface: 'Consumer AI app',
  console_surface: 'Provider console',
  provider_not_zdr: 'Provider without ZDR',
  host_blocked: 'Host blocked by policy',
  connect_refused: 'Connection refused',
  port_not_allowed: 'Port not allowed',
  sni_mismatch: 'TLS name mismatch',
  host_mismatch: 'Host header mismatch',
  missing_credential: 'No API credential',
  unapproved_credential: 'Unapproved credential',
  oauth_token: 'OAuth token',
  data_retaining_endpoint: 'Data-retaining endpoint',
  unknown_endpoint: 'Unlisted endpoint',
  anonymous_use: 'Logged-out use',
  retaining_feature: 'Retaining request option',
  retaining_tool: 'Retaining tool',
  retaining_beta: 'Retaining beta feature',
  body_unreadable: 'Unreadable body',
  body_too_large: 'Body above inspection limit',
  policy_unavailable: 'No valid policy',
  decision_log_unavailable: 'Decision log failing',
  internal_error: 'Internal error (fail closed)',
  coach_continue: 'Continued after warning',
  egress_denied: 'Private destination denied',
  client_not_allowed: 'Client not allowed',
  auth_required: 'Proxy authentication required',
};

export function reasonLabel(code: string): string {
  return isReasonCode(code) ? REASON_LABELS[code] : code;
}
