// Validates what a CA is made of: the signing certificate, its key, and for an imported intermediate
// the issuers up to a self-signed root. The same checks run on `ca import` and on every start.

import { X509Certificate, type KeyObject } from 'node:crypto';
import { CaError } from './errors.js';
import { allowsCertSigning, parseCertificate, type CertificateParts } from './inspect.js';
import { certificateBlocks } from './key-file.js';

export interface CheckedCa {
  readonly cert: X509Certificate;
  readonly parts: CertificateParts;
  /** Issuers sent after the CA certificate, root excluded (clients already hold it). */
  readonly chain: readonly X509Certificate[];
  /** What clients must trust: the CA itself when it is a root, otherwise the chain's root. */
  readonly anchor: X509Certificate;
}

export const isSelfSigned = (c: X509Certificate): boolean => issues(c, c);

/** `issuer` names and signed `c` (X509_check_issued also checks AKI/SKI and keyCertSign). */
function issues(issuer: X509Certificate, c: X509Certificate): boolean {
  try {
    return c.checkIssued(issuer) && c.verify(issuer.publicKey);
  } catch {
    return false; // e.g. a key type that cannot verify this signature algorithm
  }
}

/**
 * RFC 4514 order (most specific first), e.g. `CN=zdr-egress CA (host), O=zdr-egress`. Node reports an
 * empty Name as undefined despite its typing.
 */
export const dn = (text: string | undefined): string =>
  (text ?? '').split('\n').filter(Boolean).reverse().join(', ');

export function parseOne(pem: string, file: string): { cert: X509Certificate; parts: CertificateParts } {
  const blocks = certificateBlocks(pem);
  if (blocks.length !== 1) {
    throw new CaError(
      'CA_INVALID',
      blocks.length === 0
        ? `${file} holds no PEM certificate`
        : `${file} holds ${blocks.length} certificates; keep only the signing certificate there and put its issuers in the chain file`,
    );
  }
  try {
    const cert = new X509Certificate(blocks[0] ?? '');
    return { cert, parts: parseCertificate(cert.raw) };
  } catch {
    throw new CaError('CA_INVALID', `${file} is not a valid X.509 certificate`);
  }
}

function parseMany(pem: string, file: string): X509Certificate[] {
  return certificateBlocks(pem).map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new CaError('CA_INVALID', `certificate ${i + 1} in ${file} is not a valid X.509 certificate`);
    }
  });
}

function checkValidity(c: X509Certificate, parts: CertificateParts, file: string, now: number): void {
  if (now > parts.notAfter.getTime()) {
    throw new CaError('CA_EXPIRED', `${file} (${dn(c.subject)}) expired on ${parts.notAfter.toISOString()}`);
  }
  if (now < parts.notBefore.getTime()) {
    throw new CaError(
      'CA_EXPIRED',
      `${file} (${dn(c.subject)}) is not valid before ${parts.notBefore.toISOString()}`,
    );
  }
}

export interface CheckOptions {
  readonly certFile: string;
  readonly chainFile: string;
  /** Refuse an expired or not-yet-valid CA or chain certificate. */
  readonly requireValid: boolean;
  readonly now?: number;
}

export function checkCa(certPem: string, chainPem: string | null, opts: CheckOptions): CheckedCa {
  const now = opts.now ?? Date.now();
  const { cert, parts } = parseOne(certPem, opts.certFile);
  if (!cert.ca) {
    throw new CaError(
      'CA_INVALID',
      `${opts.certFile} is not a CA certificate (basicConstraints CA:TRUE missing)`,
    );
  }
  if (allowsCertSigning(parts) === false) {
    throw new CaError(
      'CA_INVALID',
      `${opts.certFile} may not sign certificates (keyUsage lacks keyCertSign)`,
    );
  }
  if (opts.requireValid) checkValidity(cert, parts, opts.certFile, now);
  const pool = chainPem === null ? [] : parseMany(chainPem, opts.chainFile);
  if (isSelfSigned(cert)) return { cert, parts, chain: [], anchor: cert };

  // Walk up by issuer, in whatever order the PKI team listed the chain; unused certificates are dropped.
  const path: X509Certificate[] = [];
  let current = cert;
  while (!isSelfSigned(current)) {
    const issuer = pool.find((c) => !path.includes(c) && issues(c, current));
    if (issuer === undefined) {
      const where =
        pool.length === 0 ? `no chain was given` : `${opts.chainFile} has no certificate that signed it`;
      throw new CaError(
        'CA_CHAIN_INCOMPLETE',
        `${dn(current.subject)} is issued by ${dn(current.issuer)}, but ${where}; supply the issuing certificates up to the self-signed root`,
      );
    }
    if (!issuer.ca) {
      throw new CaError(
        'CA_CHAIN_INVALID',
        `${dn(issuer.subject)} in ${opts.chainFile} is not a CA certificate`,
      );
    }
    if (opts.requireValid) checkValidity(issuer, parseCertificate(issuer.raw), opts.chainFile, now);
    path.push(issuer);
    current = issuer;
  }
  return { cert, parts, chain: path.slice(0, -1), anchor: current };
}

export function checkKeyMatches(
  cert: X509Certificate,
  key: KeyObject,
  keyFile: string,
  certFile: string,
): void {
  if (key.type !== 'private' || !cert.checkPrivateKey(key)) {
    throw new CaError(
      'CA_KEY_MISMATCH',
      `${keyFile} does not belong to ${certFile} (different key pair); restore the matching key, or replace both with: zdr-egress ca init --force`,
    );
  }
}
