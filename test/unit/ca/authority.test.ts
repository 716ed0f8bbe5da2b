import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { CaError, initCa, loadCa, loadCaCertificate, loadOrCreateCa } from '../../../src/ca/authority.js';
import { createLeafMinter } from '../../../src/ca/leaf.js';
import { hasOpenssl, tempDir } from './fixtures.js';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

function caught(fn: () => unknown): CaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CaError) return err;
    throw err;
  }
  throw new Error('expected a CaError');
}

describe('ca init', () => {
  const dir = tempDir();
  const ca = initCa(dir, { commonName: 'zdr-egress CA (test)' });
  const x509 = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
  const forgeCert = forge.pki.certificateFromPem(ca.certPem);

  it('writes ca.pem with mode 0644 and ca.key with mode 0600', () => {
    expect(modeOf(join(dir, 'ca.pem'))).toBe(0o644);
    expect(modeOf(join(dir, 'ca.key'))).toBe(0o600);
  });

  it('creates a self-signed RSA 3072 root that node and forge both read as a CA', () => {
    expect(x509.ca).toBe(true);
    expect(x509.checkIssued(x509)).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(ca.kind).toBe('root');
    expect(ca.keyAlgorithm).toBe('RSA 3072');
    expect(ca.chainPem).toEqual([]);
    expect(ca.subject).toBe('CN=zdr-egress CA (test), O=zdr-egress');
    expect(ca.certDer.equals(x509.raw)).toBe(true);
  });

  it('marks basicConstraints (pathlen 0) and keyUsage critical, with matching SKI and AKI', () => {
    const bc = forgeCert.getExtension('basicConstraints') as {
      critical: boolean;
      cA: boolean;
      pathLenConstraint?: number;
    };
    expect(bc).toMatchObject({ critical: true, cA: true, pathLenConstraint: 0 });
    const ku = forgeCert.getExtension('keyUsage') as Record<string, boolean>;
    expect(ku).toMatchObject({ critical: true, keyCertSign: true, cRLSign: true, digitalSignature: false });
    const ski = forgeCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string };
    // RFC 5280 method 1: SHA-1 of the RSAPublicKey, as forge computes it independently.
    const expected = forge.pki.getPublicKeyFingerprint(forgeCert.publicKey, {
      md: forge.md.sha1.create(),
      encoding: 'hex',
    });
    expect(ski.subjectKeyIdentifier).toBe(expected);
    const aki = forgeCert.getExtension('authorityKeyIdentifier') as { value: string };
    expect(Buffer.from(aki.value, 'binary').toString('hex')).toContain(ski.subjectKeyIdentifier);
  });

  it('is valid for ten years, back-dated two days for slow client clocks', () => {
    const years = (ca.notAfter.getTime() - ca.notBefore.getTime()) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(9.99);
    expect(years).toBeLessThan(10.02);
    expect(Date.now() - ca.notBefore.getTime()).toBeGreaterThan(47 * 3_600_000);
    expect(new Date(x509.validTo).getTime()).toBe(ca.notAfter.getTime());
  });

  it('reports the SHA-256 fingerprint and SPKI hash in the forms browsers and OpenSSL print', () => {
    expect(ca.fingerprint256).toBe(x509.fingerprint256);
    expect(ca.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const spki = x509.publicKey.export({ type: 'spki', format: 'der' });
    expect(ca.spkiSha256).toBe(createHash('sha256').update(spki).digest('base64'));
  });

  it.runIf(hasOpenssl)('gives the SPKI hash that the usual openssl pipeline computes', () => {
    const pipeline = `openssl x509 -in '${join(dir, 'ca.pem')}' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64`;
    const r = spawnSync('sh', ['-c', pipeline], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe(ca.spkiSha256);
  });

  it('refuses to overwrite an existing CA without force', () => {
    const err = caught(() => initCa(dir));
    expect(err.code).toBe('CA_EXISTS');
    expect(err.message).toContain('--force');
  });

  it('replaces the CA with force, removing a stale chain.pem', () => {
    const other = tempDir();
    const first = initCa(other);
    writeFileSync(join(other, 'chain.pem'), first.certPem);
    const second = initCa(other, { force: true, years: 2 });
    expect(second.fingerprint256).not.toBe(first.fingerprint256);
    expect(existsSync(join(other, 'chain.pem'))).toBe(false);
    expect(loadCa(other).fingerprint256).toBe(second.fingerprint256);
  });

  it.each([
    [{ years: 0 }, 'CA_INVALID'],
    [{ years: 2.5 }, 'CA_INVALID'],
    [{ commonName: '' }, 'CA_INVALID'],
    [{ nameConstraints: [] }, 'CA_INVALID_NAME_CONSTRAINT'],
    [{ nameConstraints: ['10.0.0.1'] }, 'CA_INVALID_NAME_CONSTRAINT'],
  ])('rejects bad options %j with %s', (opts, code) => {
    expect(caught(() => initCa(tempDir(), opts)).code).toBe(code);
  });
});

// One RSA 3072 key generation costs about a second here; most tests work on a copy of this CA.
const template = tempDir();
const templateCa = initCa(template);
function copyOfCa(): string {
  const dir = tempDir();
  cpSync(template, dir, { recursive: true });
  return dir;
}

describe('the key file', () => {
  it('is created with mode 0600 even under a permissive umask', () => {
    const dir = tempDir();
    let old: number;
    try {
      old = process.umask(0);
    } catch {
      return; // worker threads cannot change the umask; the forks pool can
    }
    try {
      initCa(dir);
    } finally {
      process.umask(old);
    }
    expect(modeOf(join(dir, 'ca.key'))).toBe(0o600);
  });

  it.each([0o644, 0o640, 0o604, 0o660])('is refused at load with mode %o and the chmod fix named', (mode) => {
    const dir = copyOfCa();
    const keyPath = join(dir, 'ca.key');
    chmodSync(keyPath, mode);
    const err = caught(() => loadCa(dir));
    expect(err.code).toBe('CA_KEY_PERMISSIONS');
    const shown = mode.toString(8).padStart(4, '0');
    expect(err.message).toBe(
      `${keyPath} is readable by group or others (mode ${shown}); run: chmod 600 ${keyPath}`,
    );
    expect(caught(() => loadOrCreateCa(dir)).code).toBe('CA_KEY_PERMISSIONS');
  });

  it('is accepted read-only for the owner (mode 0400, as in a Kubernetes secret with defaultMode 0400)', () => {
    const dir = copyOfCa();
    const ca = templateCa;
    chmodSync(join(dir, 'ca.key'), 0o400);
    expect(loadCa(dir).fingerprint256).toBe(ca.fingerprint256);
  });

  it('must belong to the certificate', () => {
    const dir = copyOfCa();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'ca.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const err = caught(() => loadCa(dir));
    expect(err.code).toBe('CA_KEY_MISMATCH');
    expect(err.message).toContain(join(dir, 'ca.key'));
  });

  it('is refused with a clear code when it is encrypted', () => {
    const dir = copyOfCa();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const encrypted = privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'x',
    });
    writeFileSync(join(dir, 'ca.key'), encrypted, { mode: 0o600 });
    expect(caught(() => loadCa(dir)).code).toBe('CA_KEY_ENCRYPTED');
  });

  it('is refused when it is not a key at all, without quoting its content', () => {
    const dir = copyOfCa();
    writeFileSync(join(dir, 'ca.key'), 'sk-secret-looking-text', { mode: 0o600 });
    const err = caught(() => loadCa(dir));
    expect(err.code).toBe('CA_KEY_UNREADABLE');
    expect(err.message).not.toContain('sk-secret');
  });
});

describe('loading', () => {
  it('creates a CA on a fresh folder and loads the same one afterwards', () => {
    const dir = join(tempDir(), 'certs');
    const first = loadOrCreateCa(dir);
    expect(first.created).toBe(true);
    const second = loadOrCreateCa(dir);
    expect(second.created).toBe(false);
    expect(second.ca.fingerprint256).toBe(first.ca.fingerprint256);
  });

  it('names the missing file and the command that creates one', () => {
    const err = caught(() => loadCa(tempDir()));
    expect(err.code).toBe('CA_MISSING');
    expect(err.message).toMatch(/ca\.pem not found; create one with: zdr-egress ca init/);
  });

  it('refuses a certificate without its key instead of creating a new CA over it', () => {
    const dir = copyOfCa();
    rmSync(join(dir, 'ca.key'));
    const err = caught(() => loadOrCreateCa(dir));
    expect(err.code).toBe('CA_MISSING');
    expect(err.message).toContain('ca.key not found');
  });

  it('refuses a ca.pem holding several certificates', () => {
    const dir = copyOfCa();
    writeFileSync(join(dir, 'ca.pem'), templateCa.certPem + templateCa.certPem);
    const err = caught(() => loadCa(dir));
    expect(err.code).toBe('CA_INVALID');
    expect(err.message).toContain('holds 2 certificates');
  });

  it('keeps the private key out of the CA object', () => {
    const ca = loadCa(copyOfCa());
    expect(JSON.stringify(ca)).not.toMatch(/PRIVATE KEY/);
    expect(
      Object.values(ca).some((v) => typeof v === 'object' && v !== null && 'asymmetricKeyType' in v),
    ).toBe(false);
    expect(Object.isFrozen(ca)).toBe(true);
  });

  it('loads the certificate alone for show and export, which cannot sign', () => {
    const dir = copyOfCa();
    chmodSync(join(dir, 'ca.key'), 0o644);
    const pub = loadCaCertificate(dir);
    expect(pub.fingerprint256).toBe(templateCa.fingerprint256);
    expect(caught(() => createLeafMinter(pub)).code).toBe('CA_NO_KEY');
  });
});
