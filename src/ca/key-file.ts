// The CA's files on disk. The key is created with mode 0600 from its first byte (temp file opened
// with that mode, then renamed over the target), and refused when group or others can reach it.

import { randomBytes, createPrivateKey, type KeyObject } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { CaError } from './errors.js';

export interface CaPaths {
  readonly cert: string;
  readonly key: string;
  readonly chain: string;
}

export const caPaths = (dir: string): CaPaths => ({
  cert: join(dir, 'ca.pem'),
  key: join(dir, 'ca.key'),
  chain: join(dir, 'chain.pem'),
});

const errnoOf = (err: unknown): string | undefined =>
  err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Write to a sibling temp file created with `mode` (never wider), fsync, then rename into place. */
export function writeFileAtomic(path: string, data: string | Buffer, mode: number): void {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', mode);
  try {
    fchmodSync(fd, mode); // the umask may have narrowed it; make it exactly `mode`
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    unlinkSync(temp);
    throw err;
  }
}

export function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw err;
  }
}

/** POSIX only: Windows has no mode bits; protect the folder with an ACL there (docs/ca.md). */
export function checkKeyPermissions(path: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const what = mode & 0o044 ? 'readable' : 'writable';
  throw new CaError(
    'CA_KEY_PERMISSIONS',
    `${path} is ${what} by group or others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${path}`,
  );
}

export function readText(path: string, missingFix: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') throw new CaError('CA_MISSING', `${path} not found; ${missingFix}`);
    throw new CaError('CA_INVALID', `${path} cannot be read (${errnoOf(err) ?? 'error'})`);
  }
}

/** Parses any PEM/DER private key form (PKCS#8, PKCS#1, SEC1); the file buffer is wiped afterwards. */
export function readPrivateKey(path: string, missingFix: string): KeyObject {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') throw new CaError('CA_MISSING', `${path} not found; ${missingFix}`);
    throw new CaError(
      'CA_KEY_UNREADABLE',
      `${path} cannot be read (${errnoOf(err) ?? 'error'}); check its owner`,
    );
  }
  try {
    const isPem = bytes.includes('-----BEGIN');
    return createPrivateKey(
      isPem ? { key: bytes, format: 'pem' } : { key: bytes, format: 'der', type: 'pkcs8' },
    );
  } catch (err) {
    if (errnoOf(err) === 'ERR_MISSING_PASSPHRASE' || bytes.includes('ENCRYPTED')) {
      throw new CaError(
        'CA_KEY_ENCRYPTED',
        `${path} is encrypted; zdr-egress needs it unencrypted (protected by mode 0600): openssl pkey -in ${path} -out ${path}.plain`,
      );
    }
    throw new CaError('CA_KEY_UNREADABLE', `${path} is not a private key (PEM or PKCS#8 DER expected)`);
  } finally {
    bytes.fill(0);
  }
}

/** Every CERTIFICATE block of a PEM text, in order. */
export function certificateBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
