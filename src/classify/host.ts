// Host normalisation: one canonical spelling for every way a client can name a host, so that
// `API.OpenAI.com.`, `api.openai.com` and the punycode of a Unicode name all meet the same policy
// entry. Used on the CONNECT line, the TLS SNI and the Host header alike.

import { domainToASCII } from 'node:url';

// Characters a DNS name or IP literal may carry before IDNA; anything else (/, @, %, spaces) is refused.
const HOST_CHARS = /^[\p{L}\p{N}\p{M}._:\-[\]]+$/u;
const CANONICAL = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

/**
 * Canonical form of a host: lower case, no trailing dot, IDNA A-label (punycode), IPv4 in
 * dotted-quad form (the WHATWG parser turns `127.1` or `0x7f.0.0.1` into `127.0.0.1`), IPv6
 * compressed and without brackets. Returns null for anything that is not a host.
 */
export function normalizeHost(raw: string): string | null {
  if (raw.length === 0 || raw.length > 255 || !HOST_CHARS.test(raw)) return null;
  if (raw.startsWith('[') || raw.includes(':')) return normalizeIpv6(raw);
  const trimmed = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  // One trailing dot is the root; any other empty label (`a..`, `.a`, `a..b`) is not a host.
  if (trimmed.length === 0 || trimmed.startsWith('.') || trimmed.endsWith('.') || trimmed.includes('..'))
    return null;
  // WHATWG host parsing: lower-cases, applies IDNA, and canonicalises every IPv4 spelling
  // (`127.1`, `0x7f.0.0.1`, `1.2.3.04`); it returns '' for invalid forms such as `256.1.1.1`.
  const ascii = domainToASCII(trimmed);
  // IDNA mapping can still yield symbols or empty labels (U+2474 maps to "(1)"): only LDH labels pass.
  return CANONICAL.test(ascii) ? ascii : null;
}

function normalizeIpv6(raw: string): string | null {
  const inner = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (inner.includes('[') || inner.includes(']')) return null;
  try {
    const parsed = new URL(`http://[${inner}]/`).hostname;
    return parsed.slice(1, -1);
  } catch {
    return null;
  }
}

export function isIpLiteral(host: string): boolean {
  return host.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Splits `host:port` as written on a CONNECT line or in a Host header (`[v6]:port` for IPv6).
 * Returns null when the port is missing where required or out of range.
 */
export function splitHostPort(
  authority: string,
  defaultPort: number | null,
): { host: string; port: number } | null {
  let hostPart = authority;
  let portPart: string | undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return null;
    hostPart = authority.slice(0, end + 1);
    const rest = authority.slice(end + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) return null;
      portPart = rest.slice(1);
    }
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) {
      if (authority.indexOf(':') !== colon) return null; // bare IPv6 without brackets is ambiguous
      hostPart = authority.slice(0, colon);
      portPart = authority.slice(colon + 1);
    }
  }
  let port: number;
  if (portPart === undefined) {
    if (defaultPort === null) return null;
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portPart)) return null;
    port = Number(portPart);
    if (port < 1 || port > 65535) return null;
  }
  const host = normalizeHost(hostPart);
  return host === null ? null : { host, port };
}
