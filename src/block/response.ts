// The envelope shared by every response zdr-egress generates: the X-ZDR-Egress-* headers of
// INTERFACES.md, no caching, and a content-length in bytes. Header values are reduced to visible
// ASCII so that nothing (not even our own ids) can split a header or smuggle a line break.

import { isReasonCode, type ReasonCode } from '../domain/reason.js';

export interface BlockResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Value of x-zdr-egress-decision on a generated response. */
export type RenderedDecision = 'block' | 'warn';

export const BLOCK_STATUS = 403;

/** Keeps visible ASCII only (0x20-0x7e); anything else becomes '?'. Never empty. */
export function safeHeaderValue(value: string): string {
  const cleaned = value.replace(/[^\x20-\x7e]/g, '?').trim();
  return cleaned === '' ? '-' : cleaned;
}

/** Our ids are short printable tokens; anything else is a bug upstream, rendered harmless, not trusted. */
export function safeDecisionId(id: string): string {
  const cleaned = id.replace(/[^\x21-\x7e]/g, '').slice(0, 128);
  return cleaned === '' ? 'unknown' : cleaned;
}

/** A reason that is not in the closed set cannot come from us: call it internal_error. */
export function safeReason(reason: string): ReasonCode {
  return isReasonCode(reason) ? reason : 'internal_error';
}

export function buildResponse(opts: {
  decision: RenderedDecision;
  decisionId: string;
  reason: ReasonCode;
  contentType: string;
  body: string;
  extraHeaders?: Readonly<Record<string, string>>;
}): BlockResponse {
  const headers: Record<string, string> = {
    'x-zdr-egress-decision': opts.decision,
    'x-zdr-egress-decision-id': safeHeaderValue(opts.decisionId),
    'x-zdr-egress-reason': safeHeaderValue(opts.reason),
    'content-type': opts.contentType,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(opts.body, 'utf8')),
  };
  for (const [name, value] of Object.entries(opts.extraHeaders ?? {})) {
    headers[name.toLowerCase()] = safeHeaderValue(value);
  }
  return Object.freeze({ status: BLOCK_STATUS, headers: Object.freeze(headers), body: opts.body });
}
