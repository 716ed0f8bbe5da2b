// Thin typed wrappers over node-forge's ASN.1 module. forge represents bytes as "binary strings";
// everything outside this file uses Buffers.

import forge from 'node-forge';

const { asn1 } = forge;
const UNIVERSAL = asn1.Class.UNIVERSAL;
const CONTEXT = asn1.Class.CONTEXT_SPECIFIC;
const T = asn1.Type;

export type Asn1 = forge.asn1.Asn1;

const bin = (b: Uint8Array): string => Buffer.from(b).toString('binary');
export const bytesOf = (s: string): Buffer => Buffer.from(s, 'binary');

export const seq = (items: Asn1[]): Asn1 => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
export const set = (items: Asn1[]): Asn1 => asn1.create(UNIVERSAL, T.SET, true, items);
export const oid = (dotted: string): Asn1 =>
  asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(dotted).getBytes());
export const bool = (v: boolean): Asn1 => asn1.create(UNIVERSAL, T.BOOLEAN, false, v ? '\xff' : '\x00');
export const nul = (): Asn1 => asn1.create(UNIVERSAL, T.NULL, false, '');
export const octets = (b: Uint8Array): Asn1 => asn1.create(UNIVERSAL, T.OCTETSTRING, false, bin(b));
export const utf8 = (s: string): Asn1 => asn1.create(UNIVERSAL, T.UTF8, false, bin(Buffer.from(s, 'utf8')));
export const smallInt = (n: number): Asn1 =>
  asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(n).getBytes());

/** BIT STRING; `unusedBits` is the count of padding bits in the last byte. */
export const bitString = (b: Uint8Array, unusedBits = 0): Asn1 =>
  asn1.create(UNIVERSAL, T.BITSTRING, false, String.fromCharCode(unusedBits) + bin(b));

/** INTEGER from big-endian unsigned bytes, minimally encoded and kept positive. */
export function unsignedInt(b: Uint8Array): Asn1 {
  let start = 0;
  while (start < b.length - 1 && b[start] === 0) start++;
  const trimmed = b.subarray(start);
  const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed;
  return asn1.create(UNIVERSAL, T.INTEGER, false, bin(body));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export const time = (d: Date): Asn1 =>
  d.getUTCFullYear() < 2050
    ? asn1.create(UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));

// Context-specific tags are plain numbers; forge types them as its universal Type enum.
export const tagged = (tag: number, value: Uint8Array): Asn1 =>
  asn1.create(CONTEXT, tag as forge.asn1.Type, false, bin(value));
export const taggedConstructed = (tag: number, items: Asn1[]): Asn1 =>
  asn1.create(CONTEXT, tag as forge.asn1.Type, true, items);

/** SEQUENCE around already-encoded parts, without a parse and re-encode round trip. */
export function derSequence(parts: readonly Buffer[]): Buffer {
  const length = parts.reduce((n, p) => n + p.length, 0);
  let header: Buffer;
  if (length < 0x80) header = Buffer.of(0x30, length);
  else {
    const hex = length.toString(16);
    const octetsOfLength = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
    header = Buffer.concat([Buffer.of(0x30, 0x80 | octetsOfLength.length), octetsOfLength]);
  }
  return Buffer.concat([header, ...parts]);
}

export const toDer = (node: Asn1): Buffer => bytesOf(asn1.toDer(node).getBytes());

// @types/node-forge only declares the boolean form; forge 1.x accepts an options object. Bit strings
// stay opaque so that re-encoding a parsed node reproduces the input bytes exactly.
const forgeFromDer = asn1.fromDer as unknown as (bytes: string, options: object) => Asn1;

/** Strict DER parse of a whole buffer; throws on trailing bytes. */
export const fromDer = (der: Uint8Array): Asn1 =>
  forgeFromDer(bin(der), { strict: true, parseAllBytes: true, decodeBitStrings: false });

export function children(node: Asn1 | undefined): Asn1[] {
  return node !== undefined && Array.isArray(node.value) ? node.value : [];
}

export function primitive(node: Asn1 | undefined): Buffer {
  return node !== undefined && typeof node.value === 'string' ? bytesOf(node.value) : Buffer.alloc(0);
}

export const isContext = (node: Asn1 | undefined, tag: number): boolean =>
  node !== undefined && node.tagClass === CONTEXT && (node.type as number) === tag;

export const oidOf = (node: Asn1 | undefined): string =>
  node !== undefined && node.type === T.OID && typeof node.value === 'string'
    ? asn1.derToOid(node.value)
    : '';

export function dateOf(node: Asn1 | undefined): Date | null {
  if (node === undefined || typeof node.value !== 'string') return null;
  if (node.type === T.UTCTIME) return asn1.utcTimeToDate(node.value);
  if (node.type === T.GENERALIZEDTIME) return asn1.generalizedTimeToDate(node.value);
  return null;
}

export const ASN1_TYPE = T;
