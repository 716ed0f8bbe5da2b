// Bearer-token check for the report pages and APIs. Browsers cannot attach a bearer token to a page
// load, so the same token is also accepted as the password of HTTP Basic authentication (any user
// name): the 401 challenge makes the browser ask for it, without a login form or a cookie.

import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

export type AuthResult = 'ok' | 'denied' | 'unconfigured';

export function authorize(
  req: http.IncomingMessage,
  adminToken: string | null,
  requireToken: boolean,
): AuthResult {
  if (!requireToken) return 'ok';
  if (adminToken === null || adminToken === '') return 'unconfigured';
  const given = presentedToken(req.headers.authorization);
  return given !== null && sameSecret(given, adminToken) ? 'ok' : 'denied';
}

export const CHALLENGE = 'Bearer realm="zdr-egress", Basic realm="zdr-egress reports", charset="UTF-8"';

function presentedToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header);
  if (m === null) return null;
  const [, scheme = '', value = ''] = m;
  if (scheme.toLowerCase() === 'bearer') return value;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}

/** Compares digests, so neither the length nor the content leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}
