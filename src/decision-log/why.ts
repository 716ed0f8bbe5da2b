// "Why was this blocked?" for a stored decision: the policy's default explanation and remedy for the
// row's reason, worded with the row's own metadata. Rules may carry custom texts that the row does
// not record; this is the catalog wording, which is what the reason code means.

import { isReasonCode, type ReasonCode } from '../domain/reason.js';
import { reasonTexts, type Texts } from '../policy/texts.js';
import type { DecisionRow } from './row.js';

export function explainRow(row: DecisionRow): Texts {
  if (!isReasonCode(row.reason)) {
    return {
      explanation: `Reason code ${row.reason} is not known to this version of zdr-egress.`,
      remedy: '',
    };
  }
  return reasonTexts(row.reason, { provider: row.provider ?? '', subject: subjectOf(row.reason, row) });
}

/** What the sentence is about, from metadata only (never a body or header value). */
function subjectOf(reason: ReasonCode, row: DecisionRow): string {
  switch (reason) {
    case 'consumer_surface':
    case 'console_surface':
    case 'provider_not_zdr':
    case 'host_blocked':
    case 'connect_refused':
    case 'anonymous_use':
      return row.host;
    case 'allowed':
    case 'data_retaining_endpoint':
      return `${row.method} ${row.host}${row.path}`;
    case 'missing_credential':
    case 'body_unreadable':
      return row.provider === null ? row.host : `the ${row.provider} API`;
    case 'retaining_feature':
      return 'a request option that keeps data (such as `store: true`)';
    case 'retaining_tool':
      return 'a tool that keeps data';
    case 'retaining_beta':
      return 'an anthropic-beta value';
    default:
      return '';
  }
}
