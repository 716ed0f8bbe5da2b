// Reads the parts of a certificate that node's X509Certificate does not expose: the raw subject Name
// (issuer of our leaves), the SubjectPublicKeyInfo and the extensions. Works for RSA and EC keys
// alike, unlike forge.pki.certificateFromPem which only knows RSA.

import {
  ASN1_TYPE,
  children,
  dateOf,
  fromDer,
  isContext,
  oidOf,
  primitive,
  toDer,
  type Asn1,
} from './asn1.js';
import { OID, KEY_USAGE } from './extensions.js';
import { decodeNameConstraints, type NameConstraints } from './name-constraints.js';

export interface CertificateParts {
  readonly subject: Asn1;
  readonly subjectDer: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spkiDer: Buffer;
  readonly extensions: ReadonlyMap<string, { readonly critical: boolean; readonly value: Buffer }>;
}

/** Throws on anything that is not an X.509 certificate; callers add the file name. */
export function parseCertificate(der: Buffer): CertificateParts {
  const tbs = children(children(fromDer(der))[0]);
  const fields = isContext(tbs[0], 0) ? tbs.slice(1) : tbs; // v1 certificates have no version field
  const [, , , validity, subject, spki, ...rest] = fields;
  const [notBefore, notAfter] = children(validity).map(dateOf);
  if (subject === undefined || spki === undefined || !notBefore || !notAfter)
    throw new Error('not a certificate');
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  for (const ext of children(children(rest.find((n) => isContext(n, 3)))[0])) {
    const [id, second, third] = children(ext);
    const critical = second?.type === ASN1_TYPE.BOOLEAN && primitive(second)[0] !== 0;
    extensions.set(oidOf(id), {
      critical,
      value: primitive(second?.type === ASN1_TYPE.BOOLEAN ? third : second),
    });
  }
  return { subject, subjectDer: toDer(subject), notBefore, notAfter, spkiDer: toDer(spki), extensions };
}

export function subjectKeyIdOf(parts: CertificateParts): Buffer | null {
  const ext = parts.extensions.get(OID.subjectKeyIdentifier);
  return ext === undefined ? null : primitive(fromDer(ext.value));
}

export function basicConstraintsOf(parts: CertificateParts): { ca: boolean; pathLen: number | null } | null {
  const ext = parts.extensions.get(OID.basicConstraints);
  if (ext === undefined) return null;
  const fields = children(fromDer(ext.value));
  const ca = fields[0]?.type === ASN1_TYPE.BOOLEAN && primitive(fields[0])[0] !== 0;
  const len = fields.find((f) => f.type === ASN1_TYPE.INTEGER);
  return {
    ca,
    pathLen: len === undefined ? null : primitive(len).readUIntBE(0, Math.min(6, primitive(len).length)),
  };
}

/** null when the certificate has no keyUsage extension (every usage allowed). */
export function allowsCertSigning(parts: CertificateParts): boolean | null {
  const ext = parts.extensions.get(OID.keyUsage);
  if (ext === undefined) return null;
  const bits = primitive(fromDer(ext.value)).subarray(1); // skip the unused-bits octet
  return ((bits[KEY_USAGE.keyCertSign >> 3] ?? 0) & (0x80 >> (KEY_USAGE.keyCertSign & 7))) !== 0;
}

export function nameConstraintsOf(parts: CertificateParts): NameConstraints | null {
  const ext = parts.extensions.get(OID.nameConstraints);
  return ext === undefined ? null : decodeNameConstraints(ext.value);
}
