// Header hygiene between the client and the upstream: hop-by-hop headers are connection-scoped
// (RFC 9110 §7.6.1) and undici refuses them; tenant-restriction headers are overwritten, never
// appended, so a client cannot bring its own allow-list.

import type { HeaderInjection } from '../domain/decision.js';

/**
 * More header lines than this get 431. Node would otherwise drop the lines past its own count
 * silently, and a rule could never see a header it never got.
 */
export const MAX_REQUEST_HEADERS = 256;

/** True when Node's parser stopped counting: the request had more than MAX_REQUEST_HEADERS lines. */
export function tooManyHeaders(rawHeaders: readonly string[]): boolean {
  return rawHeaders.length > 2 * MAX_REQUEST_HEADERS;
}

/**
 * Requests llhttp accepts but the proxy cannot forward faithfully: 431 past the header count;
 * 501 for a transfer coding besides chunked (RFC 9112 §6.1): `gzip, chunked` would otherwise reach
 * upstream as plain bytes once the hop-by-hop header is stripped. Null when the framing is fine.
 */
export function framingProblem(
  rawHeaders: readonly string[],
  transferEncoding: string | string[] | undefined,
): 431 | 501 | null {
  if (tooManyHeaders(rawHeaders)) return 431;
  if (typeof transferEncoding === 'string' && transferEncoding.split(',').length > 1) return 501;
  return null;
}

export function framingResponse(status: 431 | 501): string {
  return status === 431
    ? TOO_MANY_HEADERS_BODY
    : 'zdr-egress: only the chunked transfer coding is supported.\n';
}

export const TOO_MANY_HEADERS_BODY = `zdr-egress: more than ${MAX_REQUEST_HEADERS} header lines; the request was refused.\n`;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'http2-settings',
]);

/** Response headers that must not reach the client: hop-by-hop, and Alt-Svc (it would invite HTTP/3 around the proxy). */
const RESPONSE_DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'alt-svc',
]);

/**
 * Flat [name, value, ...] list for undici from Node's rawHeaders, minus hop-by-hop headers, the
 * headers the client's Connection header names, HTTP/2 pseudo-headers and every injected name;
 * then the injected values.
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  inject: readonly HeaderInjection[],
  keepUpgrade = false,
): string[] {
  let named: Set<string> | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === 'connection') {
      named ??= new Set();
      for (const token of (rawHeaders[i + 1] as string).split(',')) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) && !(keepUpgrade && lower === 'upgrade')) continue;
    if (named !== null && named.has(lower) && !lower.startsWith('sec-websocket')) continue;
    if (inject.length > 0 && isInjected(lower, inject)) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  for (const h of inject) out.push(h.name, h.value);
  return out;
}

function isInjected(lower: string, inject: readonly HeaderInjection[]): boolean {
  for (const h of inject) {
    // Also strip numbered continuation headers (anthropic-allowed-org-ids1 ... 9) a client might send.
    if (lower === h.name || (lower.startsWith(h.name) && /^\d+$/.test(lower.slice(h.name.length))))
      return true;
  }
  return false;
}

export type ResponseHeaders = Record<string, string | string[]>;

/** The decision a response carries to the client; null for plain HTTP, which is not decided. */
export interface ResponseStamp {
  readonly action: 'allow' | 'report';
  readonly decisionId: string;
}

/**
 * The client's response headers, straight from undici's raw [name, value, ...] buffers in one pass:
 * hop-by-hop headers and Alt-Svc dropped, any `x-zdr-egress-*` from upstream dropped (only the proxy
 * speaks for itself), ours added last. Values are decoded as latin1, the encoding node:http writes
 * them in, so bytes pass unchanged.
 */
export function clientResponseHeaders(raw: readonly Buffer[], stamp: ResponseStamp | null): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
    if (RESPONSE_DROP.has(name) || name.startsWith('x-zdr-egress-')) continue;
    const value = (raw[i + 1] as Buffer).toString('latin1');
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  if (stamp !== null) {
    out['x-zdr-egress-decision'] = stamp.action;
    out['x-zdr-egress-decision-id'] = stamp.decisionId;
  }
  return out;
}
