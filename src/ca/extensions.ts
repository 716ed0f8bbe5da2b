// X.509 v3 extension encoders (RFC 5280 section 4.2) for the CA and its leaves.

import { createHash } from 'node:crypto';
import {
  bitString,
  bool,
  children,
  fromDer,
  octets,
  oid,
  primitive,
  seq,
  smallInt,
  tagged,
  type Asn1,
} from './asn1.js';

export const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
} as const;

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Asn1;
}

/** keyUsage bit positions. */
export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

export function basicConstraints(ca: boolean, pathLen?: number): Extension {
  const fields = ca ? [bool(true), ...(pathLen === undefined ? [] : [smallInt(pathLen)])] : [];
  return { oid: OID.basicConstraints, critical: true, value: seq(fields) };
}

/** A DER named bit list: trailing zero bits dropped, their count in the unused-bits octet. */
export function keyUsage(bits: readonly number[]): Extension {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  return { oid: OID.keyUsage, critical: true, value: bitString(bytes, 7 - (highest & 7)) };
}

export function extKeyUsage(oids: readonly string[]): Extension {
  return { oid: OID.extKeyUsage, critical: false, value: seq(oids.map(oid)) };
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING (without its unused-bits octet). */
export function keyIdOf(spkiDer: Buffer): Buffer {
  const bits = primitive(children(fromDer(spkiDer))[1]);
  return createHash('sha1').update(bits.subarray(1)).digest();
}

export function subjectKeyIdentifier(keyId: Buffer): Extension {
  return { oid: OID.subjectKeyIdentifier, critical: false, value: octets(keyId) };
}

export function authorityKeyIdentifier(keyId: Buffer): Extension {
  return { oid: OID.authorityKeyIdentifier, critical: false, value: seq([tagged(0, keyId)]) };
}

export type AltName =
  { readonly kind: 'dns'; readonly name: string } | { readonly kind: 'ip'; readonly bytes: Buffer };

/** Critical because leaves carry an empty subject (RFC 5280 4.2.1.6). */
export function subjectAltName(names: readonly AltName[]): Extension {
  const encoded = names.map((n) => {
    switch (n.kind) {
      case 'dns':
        return tagged(2, Buffer.from(n.name, 'ascii'));
      case 'ip':
        return tagged(7, n.bytes);
      default: {
        const never: never = n;
        return never;
      }
    }
  });
  return { oid: OID.subjectAltName, critical: true, value: seq(encoded) };
}
