// The CA lifecycle: create our own root, load it on start, or import an intermediate from the
// corporate PKI. Files in the certs folder: ca.pem (signing certificate, 0644), ca.key (0600),
// chain.pem (an intermediate's issuers up to the root, 0644, absent for our own root).

import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  authorityKeyIdentifier,
  basicConstraints,
  KEY_USAGE,
  keyIdOf,
  keyUsage,
  OID,
  subjectKeyIdentifier,
} from './extensions.js';
import { buildName, describeKey, issueCertificate, randomSerial, signerFor, toPem } from './certificate.js';
import { CaError } from './errors.js';
import { nameConstraintsOf } from './inspect.js';
import {
  caPaths,
  checkKeyPermissions,
  exists,
  readPrivateKey,
  readText,
  removeIfPresent,
  writeFileAtomic,
} from './key-file.js';
import { constraintSubtrees, describeNameConstraints, nameConstraintsExtension } from './name-constraints.js';
import { attachSigningKey } from './signing-key.js';
import { checkCa, checkKeyMatches, dn, type CheckedCa } from './trust-chain.js';

export { CaError } from './errors.js';

export interface CertificateAuthority {
  /** The certificate that signs leaves: our root, or an imported intermediate. */
  readonly certPem: string;
  /** The intermediate's issuers, root excluded; [] for our own root. Leaf.chainPem is what to send. */
  readonly chainPem: readonly string[];
  /** DER of certPem. */
  readonly certDer: Buffer;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** `AB:CD:...`, like X509Certificate.fingerprint256. */
  readonly fingerprint256: string;
  /** Base64 SHA-256 of the SubjectPublicKeyInfo DER (Chromium --ignore-certificate-errors-spki-list). */
  readonly spkiSha256: string;
  readonly kind: 'root' | 'intermediate';
  /** e.g. `RSA 3072`, `EC P-384`. */
  readonly keyAlgorithm: string;
  readonly serialNumber: string;
  /** e.g. `permitted DNS:openai.com`, `excluded IP:0.0.0.0/0`; [] when unconstrained. */
  readonly nameConstraints: readonly string[];
  /** What clients must trust (exports serve this): certPem for a root, the chain's root for an intermediate. */
  readonly anchorPem: string;
}

const CREATE_FIX = 'create one with: zdr-egress ca init (or ca import for a corporate intermediate)';
const DAY = 86_400_000;

function makeAuthority(checked: CheckedCa, key: KeyObject | null): CertificateAuthority {
  const { cert, parts } = checked;
  const nc = nameConstraintsOf(parts);
  const ca: CertificateAuthority = Object.freeze({
    certPem: cert.toString(),
    chainPem: Object.freeze(checked.chain.map((c) => c.toString())),
    certDer: cert.raw,
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    notBefore: parts.notBefore,
    notAfter: parts.notAfter,
    fingerprint256: cert.fingerprint256,
    spkiSha256: createHash('sha256').update(parts.spkiDer).digest('base64'),
    kind: checked.anchor === cert ? 'root' : 'intermediate',
    keyAlgorithm: describeKey(cert.publicKey),
    serialNumber: cert.serialNumber,
    nameConstraints: Object.freeze(nc === null ? [] : describeNameConstraints(nc)),
    anchorPem: checked.anchor.toString(),
  });
  if (key !== null) attachSigningKey(ca, key);
  return ca;
}

function readChain(path: string): string | null {
  return exists(path) ? readText(path, '') : null;
}

/** Loads and checks the CA a proxy signs with. Refuses a key that group or others can read. */
export function loadCa(dir: string): CertificateAuthority {
  const paths = caPaths(dir);
  const certPem = readText(paths.cert, CREATE_FIX);
  if (!exists(paths.key)) {
    throw new CaError(
      'CA_MISSING',
      `${paths.key} not found but ${paths.cert} exists; restore the key, or replace both with: zdr-egress ca init --force`,
    );
  }
  checkKeyPermissions(paths.key);
  const key = readPrivateKey(paths.key, CREATE_FIX);
  const checked = checkCa(certPem, readChain(paths.chain), {
    certFile: paths.cert,
    chainFile: paths.chain,
    requireValid: true,
  });
  checkKeyMatches(checked.cert, key, paths.key, paths.cert);
  signerFor(key);
  return makeAuthority(checked, key);
}

/** The public half only (ca show, ca export on a machine without the key); it cannot sign. */
export function loadCaCertificate(dir: string): CertificateAuthority {
  const paths = caPaths(dir);
  const certPem = readText(paths.cert, CREATE_FIX);
  return makeAuthority(
    checkCa(certPem, readChain(paths.chain), {
      certFile: paths.cert,
      chainFile: paths.chain,
      requireValid: false,
    }),
    null,
  );
}

/** What `npm start` uses: a fresh clone gets a new root, an existing one is loaded and checked. */
export function loadOrCreateCa(dir: string): { ca: CertificateAuthority; created: boolean } {
  const paths = caPaths(dir);
  if (exists(paths.cert) || exists(paths.key)) return { ca: loadCa(dir), created: false };
  return { ca: initCa(dir), created: true };
}

export interface InitOptions {
  readonly commonName?: string;
  readonly years?: number;
  /** Hosts the root may vouch for (`*.suffix` allowed); omitted = unconstrained. */
  readonly nameConstraints?: readonly string[];
  readonly force?: boolean;
}

function refuseOverwrite(dir: string, force: boolean | undefined, how: string): void {
  const paths = caPaths(dir);
  const present = [paths.cert, paths.key, paths.chain].filter(exists);
  if (!force && present.length > 0) {
    throw new CaError(
      'CA_EXISTS',
      `${present.join(' and ')} already exist; keep them, or replace the CA (every client must then trust the new one) with: zdr-egress ${how} --force`,
    );
  }
}

/** RSA 3072 root, 10 years by default, pathlen 0 (it signs leaves only). */
export function initCa(dir: string, opts: InitOptions = {}): CertificateAuthority {
  const years = opts.years ?? 10;
  const cn = opts.commonName ?? `zdr-egress CA (${hostname()})`;
  if (!Number.isInteger(years) || years < 1 || years > 30) {
    throw new CaError('CA_INVALID', `--years must be a whole number from 1 to 30 (got ${years})`);
  }
  if (cn.trim().length === 0 || cn.length > 64) {
    throw new CaError('CA_INVALID', 'the common name must be 1 to 64 characters');
  }
  const subtrees = opts.nameConstraints === undefined ? null : constraintSubtrees(opts.nameConstraints);
  if (subtrees !== null && subtrees.length === 0) {
    throw new CaError('CA_INVALID_NAME_CONSTRAINT', 'name constraints need at least one host');
  }
  refuseOverwrite(dir, opts.force, 'ca init');

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = keyIdOf(spkiDer);
  const name = buildName([
    [OID.organization, 'zdr-egress'],
    [OID.commonName, cn],
  ]);
  // Back-dated two days for clients with a slow clock; second precision as in the certificate.
  const notBefore = new Date(Math.floor((Date.now() - 2 * DAY) / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + 2 * DAY);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  const der = issueCertificate(
    {
      serial: randomSerial(),
      issuer: name,
      subject: name,
      notBefore,
      notAfter,
      spkiDer,
      extensions: [
        basicConstraints(true, 0),
        keyUsage([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
        subjectKeyIdentifier(keyId),
        authorityKeyIdentifier(keyId),
        ...(subtrees === null ? [] : [nameConstraintsExtension(subtrees)]),
      ],
    },
    signerFor(privateKey),
  );
  return save(dir, toPem(der), privateKey, null);
}

/** Key first, certificate last: a crash in between leaves no certificate without its key. */
function save(dir: string, certPem: string, key: KeyObject, chainPem: string | null): CertificateAuthority {
  const paths = caPaths(dir);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(paths.key, key.export({ type: 'pkcs8', format: 'pem' }), 0o600);
  if (chainPem === null) removeIfPresent(paths.chain);
  else writeFileAtomic(paths.chain, chainPem, 0o644);
  writeFileAtomic(paths.cert, certPem, 0o644);
  return loadCa(dir);
}

export interface ImportFiles {
  readonly cert: string;
  readonly key: string;
  readonly chain?: string;
}

/** An intermediate from the corporate PKI (or an existing root): CA certificate, key matches, chain reaches a root. */
export function importCa(
  dir: string,
  files: ImportFiles,
  opts: { readonly force?: boolean } = {},
): CertificateAuthority {
  const certPem = readText(files.cert, 'check the --cert path');
  const chainPem = files.chain === undefined ? null : readText(files.chain, 'check the --chain path');
  const key = readPrivateKey(files.key, 'check the --key path');
  const checked = checkCa(certPem, chainPem, {
    certFile: files.cert,
    chainFile: files.chain ?? 'the chain',
    requireValid: true,
  });
  checkKeyMatches(checked.cert, key, files.key, files.cert);
  signerFor(key);
  refuseOverwrite(dir, opts.force, 'ca import');
  const chain = [...checked.chain, ...(checked.anchor === checked.cert ? [] : [checked.anchor])];
  return save(
    dir,
    checked.cert.toString(),
    key,
    chain.length === 0 ? null : chain.map((c) => c.toString()).join(''),
  );
}
