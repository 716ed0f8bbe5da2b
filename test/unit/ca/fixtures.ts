// Shared by the CA tests: temp folders, a small corporate PKI made with node-forge, and openssl.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll } from 'vitest';

// Test CAs and keys are removed when the importing test file finishes.
const made: string[] = [];
afterAll(() => made.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zdr-ca-test-'));
  made.push(dir);
  return dir;
}

export interface ForgeCa {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
  readonly certPem: string;
  readonly keyPem: string;
}

const DAY = 86_400_000;

/** A CA certificate made the way a corporate PKI would: forge, RSA 2048, SKI/AKI, keyCertSign. */
export function forgeCa(
  commonName: string,
  issuer: ForgeCa | null,
  opts: { pathLen?: number; notAfter?: Date; ca?: boolean } = {},
): ForgeCa {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 5 * 365 * DAY);
  const subject = [
    { shortName: 'O', value: 'Example Corp' },
    { shortName: 'CN', value: commonName },
  ];
  cert.setSubject(subject);
  cert.setIssuer(issuer === null ? subject : issuer.cert.subject.attributes);
  const isCa = opts.ca ?? true;
  cert.setExtensions([
    {
      name: 'basicConstraints',
      cA: isCa,
      critical: true,
      ...(opts.pathLen === undefined ? {} : { pathLenConstraint: opts.pathLen }),
    },
    isCa
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: (issuer ?? { cert }).cert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  cert.sign(issuer === null ? key : issuer.key, forge.md.sha256.create());
  return { cert, key, certPem: forge.pki.certificateToPem(cert), keyPem };
}

export function writeFiles(dir: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode: 0o600 });
      return [name, path];
    }),
  );
}

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

export function openssl(args: readonly string[], input?: string): { ok: boolean; output: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** `openssl verify` of a leaf against a trust anchor, with optional untrusted intermediates and a host check. */
export function opensslVerify(
  dir: string,
  anchorPem: string,
  leafPem: string,
  opts: { untrusted?: readonly string[]; host?: string } = {},
): { ok: boolean; output: string } {
  const files = writeFiles(dir, {
    'anchor.pem': anchorPem,
    'leaf.pem': leafPem,
    'untrusted.pem': (opts.untrusted ?? []).join(''),
  });
  return openssl([
    'verify',
    '-CAfile',
    files['anchor.pem'] ?? '',
    ...(opts.untrusted?.length ? ['-untrusted', files['untrusted.pem'] ?? ''] : []),
    '-purpose',
    'sslserver',
    ...(opts.host === undefined
      ? []
      : [/^[\d.]+$|:/.test(opts.host) ? '-verify_ip' : '-verify_hostname', opts.host]),
    files['leaf.pem'] ?? '',
  ]);
}
