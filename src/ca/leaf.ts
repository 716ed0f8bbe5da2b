// Leaf certificates for intercepted hosts: a fresh ECDSA P-256 key per host, names only in the SAN,
// a short validity inside the CA's, signed natively with the CA key.

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Asn1 } from './asn1.js';
import { seq } from './asn1.js';
import type { CertificateAuthority } from './authority.js';
import { issueCertificate, randomSerial, signerFor, toPem } from './certificate.js';
import { CaError } from './errors.js';
import {
  authorityKeyIdentifier,
  basicConstraints,
  extKeyUsage,
  KEY_USAGE,
  keyUsage,
  OID,
  subjectAltName,
  type AltName,
  type Extension,
} from './extensions.js';
import { nameConstraintsOf, parseCertificate, subjectKeyIdOf } from './inspect.js';
import { parseIp } from './ip-address.js';
import { permits } from './name-constraints.js';
import { signingKeyOf } from './signing-key.js';

export interface Leaf {
  readonly certPem: string;
  /** PKCS#8 PEM of the leaf's private key. */
  readonly keyPem: string;
  /** Certificates to send after the leaf: [] under our root; the intermediate and its issuers otherwise. */
  readonly chainPem: readonly string[];
  /** ms since epoch, as written in the certificate (second precision). */
  readonly notAfter: number;
}

export interface LeafOptions {
  /** Default 7 days; always cut at the CA's notAfter. */
  readonly validityMs?: number;
  /** Back-dating for clients whose clock is behind; default 1 hour. */
  readonly backdateMs?: number;
  /** `ec` (P-256, a fresh key per leaf; default) or `rsa` (one shared 2048-bit key) for clients without ECDSA. */
  readonly keyType?: 'ec' | 'rsa';
  /** Refuse hosts outside the CA's name constraints (clients would reject the leaf anyway). Default true. */
  readonly checkNameConstraints?: boolean;
  readonly now?: () => number;
}

const HOUR = 3_600_000;
const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const seconds = (ms: number): number => Math.floor(ms / 1000) * 1000;

function altNameFor(host: string): AltName {
  const ip = parseIp(host);
  if (ip !== null) return { kind: 'ip', bytes: ip };
  // An all-numeric last label is a mistyped IPv4 address (999.1.1.1), never a DNS name.
  if (!DNS_NAME.test(host) || /(^|\.)\d+$/.test(host)) {
    throw new CaError(
      'CA_INVALID_HOST',
      'a leaf needs a normalised host name (lower case, punycode) or an IP literal',
    );
  }
  return { kind: 'dns', name: host };
}

/**
 * P-256 keys cost ~50 µs, so every leaf gets its own. RSA-2048 generation costs 50-500 ms, so the RSA
 * fallback makes one key per minter and shares it (as mitmproxy does for all leaves): the leaves live in
 * the same process memory anyway.
 */
function leafKeySource(keyType: 'ec' | 'rsa'): () => { privateKey: KeyObject; publicKey: KeyObject } {
  if (keyType === 'ec') return () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  let shared: { privateKey: KeyObject; publicKey: KeyObject } | null = null;
  return () => (shared ??= generateKeyPairSync('rsa', { modulusLength: 2048 }));
}

/** Everything per-CA is computed once here; a mint is key generation, DER assembly and one signature. */
export function createLeafMinter(ca: CertificateAuthority, opts: LeafOptions = {}): (host: string) => Leaf {
  const key = signingKeyOf(ca);
  if (key === undefined) {
    throw new CaError(
      'CA_NO_KEY',
      'this CA was loaded without its key (certificate only) and cannot sign leaves',
    );
  }
  const signer = signerFor(key);
  const parts = parseCertificate(ca.certDer);
  const issuer: Asn1 = parts.subject;
  const keyId = subjectKeyIdOf(parts);
  const constraints = opts.checkNameConstraints === false ? null : nameConstraintsOf(parts);
  const chainPem = Object.freeze(ca.kind === 'root' ? [] : [ca.certPem, ...ca.chainPem]);
  const validityMs = opts.validityMs ?? 7 * 24 * HOUR;
  const backdateMs = opts.backdateMs ?? HOUR;
  const keyType = opts.keyType ?? 'ec';
  const newLeafKey = leafKeySource(keyType);
  const now = opts.now ?? Date.now;
  const caNotBefore = ca.notBefore.getTime();
  const caNotAfter = ca.notAfter.getTime();
  const fixed: Extension[] = [
    basicConstraints(false),
    keyUsage(
      keyType === 'ec'
        ? [KEY_USAGE.digitalSignature]
        : [KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment],
    ),
    extKeyUsage([OID.serverAuth]),
    ...(keyId === null ? [] : [authorityKeyIdentifier(keyId)]),
  ];

  return (host: string): Leaf => {
    const t = now();
    if (t >= caNotAfter) {
      throw new CaError(
        'CA_EXPIRED',
        `the CA expired on ${ca.notAfter.toISOString()}; renew it (zdr-egress ca init --force, or ca import a renewed intermediate) and redistribute it`,
      );
    }
    const altName = altNameFor(host);
    if (constraints !== null && !permits(constraints, host)) {
      throw new CaError(
        'CA_NAME_NOT_PERMITTED',
        `the CA's name constraints do not cover ${host}; re-issue the CA with the current policy (zdr-egress ca init --name-constraints --force) and redistribute it`,
      );
    }
    const notBefore = seconds(Math.max(t - backdateMs, caNotBefore));
    const notAfter = seconds(Math.min(t + validityMs, caNotAfter));
    const { privateKey, publicKey } = newLeafKey();
    const der = issueCertificate(
      {
        serial: randomSerial(),
        issuer,
        subject: seq([]), // empty: the name lives only in the (critical) SAN
        notBefore: new Date(notBefore),
        notAfter: new Date(notAfter),
        spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
        extensions: [...fixed, subjectAltName([altName])],
      },
      signer,
    );
    return {
      certPem: toPem(der),
      keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      chainPem,
      notAfter,
    };
  };
}
