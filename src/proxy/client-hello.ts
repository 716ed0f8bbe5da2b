// Reads the server name (SNI) out of a TLS ClientHello without decrypting anything, so that the
// tunnel-or-intercept choice is made on the name the client will actually verify (RFC 8446 §4.1.2,
// RFC 6066 §3). Pure and bounds-checked: it is fed bytes from the network and is fuzzed.

export type ClientHelloPeek =
  | { readonly kind: 'tls'; readonly sni: string | null }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'not_tls' }
  | { readonly kind: 'invalid' };

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
/** A ClientHello larger than this is refused (post-quantum key shares make them ~2 KiB today). */
export const MAX_CLIENT_HELLO = 64 * 1024;

export function peekClientHello(buf: Uint8Array): ClientHelloPeek {
  if (buf.length === 0) return { kind: 'incomplete' };
  if (buf[0] !== RECORD_HANDSHAKE) return { kind: 'not_tls' };
  // A ClientHello may be fragmented over several handshake records: join their payloads.
  const payload: Uint8Array[] = [];
  let payloadLength = 0;
  let offset = 0;
  let needed = -1;
  while (needed < 0 || payloadLength < needed) {
    if (buf.length < offset + 5) return { kind: 'incomplete' };
    if (buf[offset] !== RECORD_HANDSHAKE || buf[offset + 1] !== 0x03) return { kind: 'invalid' };
    const recordLength = u16(buf, offset + 3);
    if (recordLength === 0 || recordLength > 16384 + 256) return { kind: 'invalid' };
    if (buf.length < offset + 5 + recordLength) return { kind: 'incomplete' };
    payload.push(buf.subarray(offset + 5, offset + 5 + recordLength));
    payloadLength += recordLength;
    offset += 5 + recordLength;
    if (needed < 0) {
      const first = concat(payload, payloadLength);
      if (first.length < 4) continue;
      if (first[0] !== HANDSHAKE_CLIENT_HELLO) return { kind: 'invalid' };
      needed = 4 + u24(first, 1);
      if (needed > MAX_CLIENT_HELLO) return { kind: 'invalid' };
    }
  }
  const hello = concat(payload, payloadLength).subarray(4, needed);
  return parseHelloBody(hello);
}

function parseHelloBody(b: Uint8Array): ClientHelloPeek {
  let p = 2 + 32; // legacy_version, random
  if (b.length < p + 1) return { kind: 'invalid' };
  p += 1 + (b[p] as number); // session id
  if (b.length < p + 2) return { kind: 'invalid' };
  p += 2 + u16(b, p); // cipher suites
  if (b.length < p + 1) return { kind: 'invalid' };
  p += 1 + (b[p] as number); // compression methods
  if (p === b.length) return { kind: 'tls', sni: null }; // no extensions at all
  if (b.length < p + 2) return { kind: 'invalid' };
  const end = p + 2 + u16(b, p);
  if (end > b.length) return { kind: 'invalid' };
  p += 2;
  while (p + 4 <= end) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    p += 4;
    if (p + len > end) return { kind: 'invalid' };
    if (type === EXT_SERVER_NAME) return parseServerName(b.subarray(p, p + len));
    p += len;
  }
  return p === end ? { kind: 'tls', sni: null } : { kind: 'invalid' };
}

function parseServerName(ext: Uint8Array): ClientHelloPeek {
  if (ext.length < 2) return { kind: 'invalid' };
  const listEnd = 2 + u16(ext, 0);
  if (listEnd > ext.length) return { kind: 'invalid' };
  let p = 2;
  while (p + 3 <= listEnd) {
    const nameType = ext[p] as number;
    const len = u16(ext, p + 1);
    p += 3;
    if (p + len > listEnd) return { kind: 'invalid' };
    if (nameType === 0) {
      if (len === 0 || len > 255) return { kind: 'invalid' };
      const name = ext.subarray(p, p + len);
      // RFC 6066: host_name is ASCII; anything else is a malformed (or hostile) hello.
      for (const c of name) if (c < 0x21 || c > 0x7e) return { kind: 'invalid' };
      return { kind: 'tls', sni: Buffer.from(name).toString('latin1') };
    }
    p += len;
  }
  return { kind: 'tls', sni: null };
}

function u16(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 8) | (b[i + 1] as number);
}

function u24(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number);
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts, length);
}
