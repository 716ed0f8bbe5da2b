// Builds a TBSCertificate with forge's ASN.1 module and signs it with node:crypto. forge cannot put
// an EC key into a certificate and its pure-JS RSA is slow; native signing keeps a leaf mint near 1 ms.

import { randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  bool,
  derSequence,
  fromDer,
  nul,
  octets,
  oid,
  seq,
  set,
  smallInt,
  taggedConstructed,
  time,
  toDer,
  unsignedInt,
  utf8,
  type Asn1,
} from './asn1.js';
import { CaError } from './errors.js';
import type { Extension } from './extensions.js';

export interface CertificateFields {
  readonly serial: Buffer;
  /** The issuer's subject Name, reused as parsed so the bytes match exactly. */
  readonly issuer: Asn1;
  readonly subject: Asn1;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spkiDer: Buffer;
  readonly extensions: readonly Extension[];
}

export interface Signer {
  readonly key: KeyObject;
  /** Digest for crypto.sign. */
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  /** DER of the AlgorithmIdentifier, placed in the TBS and after it. */
  readonly algorithmDer: Buffer;
}

const EC_SIGNATURES: Record<string, { hash: Signer['hash']; oid: string }> = {
  prime256v1: { hash: 'sha256', oid: '1.2.840.10045.4.3.2' },
  secp384r1: { hash: 'sha384', oid: '1.2.840.10045.4.3.3' },
  secp521r1: { hash: 'sha512', oid: '1.2.840.10045.4.3.4' },
};

/** RSA (>= 2048 bits, PKCS#1 v1.5 with SHA-256) or ECDSA on P-256/384/521: what every TLS client verifies. */
export function signerFor(key: KeyObject): Signer {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) {
    return { key, hash: 'sha256', algorithmDer: toDer(seq([oid('1.2.840.113549.1.1.11'), nul()])) };
  }
  const ec = key.asymmetricKeyType === 'ec' ? EC_SIGNATURES[details.namedCurve ?? ''] : undefined;
  if (ec !== undefined) return { key, hash: ec.hash, algorithmDer: toDer(seq([oid(ec.oid)])) };
  throw new CaError(
    'CA_UNSUPPORTED_KEY',
    `CA key type ${describeKey(key)} is not supported; use RSA (2048 bits or more) or ECDSA P-256/P-384/P-521`,
  );
}

export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `RSA ${d.modulusLength ?? '?'}`;
    case 'ec':
      return `EC ${({ prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' } as Record<string, string>)[d.namedCurve ?? ''] ?? d.namedCurve ?? '?'}`;
    default:
      return key.asymmetricKeyType ?? 'unknown';
  }
}

/** 16 random bytes, top bit cleared (positive) and first byte non-zero (minimal DER). */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f || 0x01;
  return serial;
}

/** A Name from RDNs in DER order, e.g. [[O, 'zdr-egress'], [CN, '...']]. */
export function buildName(rdns: readonly (readonly [string, string])[]): Asn1 {
  return seq(rdns.map(([type, value]) => set([seq([oid(type), utf8(value)])])));
}

function encodeExtension(e: Extension): Asn1 {
  return seq([oid(e.oid), ...(e.critical ? [bool(true)] : []), octets(toDer(e.value))]);
}

export function issueCertificate(fields: CertificateFields, signer: Signer): Buffer {
  const algorithm = fromDer(signer.algorithmDer);
  const tbs = seq([
    taggedConstructed(0, [smallInt(2)]), // v3
    unsignedInt(fields.serial),
    algorithm,
    fields.issuer,
    seq([time(fields.notBefore), time(fields.notAfter)]),
    fields.subject,
    fromDer(fields.spkiDer),
    taggedConstructed(3, [seq(fields.extensions.map(encodeExtension))]),
  ]);
  const tbsDer = toDer(tbs);
  const signature = sign(signer.hash, tbsDer, signer.key);
  return derSequence([tbsDer, signer.algorithmDer, toDer(bitString(signature))]);
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
