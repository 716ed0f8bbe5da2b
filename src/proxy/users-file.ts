// Proxy users: a YAML file of names and scrypt password hashes (`zdr-egress user add NAME`).
// Hashes only; the password is read from stdin and never written or kept.

import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { z } from 'zod';

// scrypt cost: N=2^15, r=8, p=1 (~32 MiB, tens of ms): verified once per connection, then cached.
const N = 32768;
const R = 8;
const P = 1;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;

const fileSchema = z.strictObject({
  version: z.literal(1),
  users: z.array(
    z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'names are 1-64 letters, digits, . _ @ -'),
      scrypt: z
        .string()
        .regex(
          /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/,
          'expected scrypt$N$r$p$salt$hash',
        ),
    }),
  ),
});
export type UsersFile = z.infer<typeof fileSchema>;

export class UsersFileError extends Error {
  readonly code = 'USERS_FILE_INVALID';
}

export function readUsersFile(path: string): UsersFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, users: [] };
    throw new UsersFileError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const parsed = fileSchema.safeParse(parse(text) ?? { version: 1, users: [] });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsersFileError(`${path}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function writeUsersFile(path: string, file: UsersFile): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(
    tmp,
    `# zdr-egress proxy users (scrypt hashes). Managed with 'zdr-egress user add|remove'.\n${stringify(file)}`,
    { mode: 0o600 },
  );
  renameSync(tmp, path);
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEYLEN, { N, r: R, p: P, maxmem: MAXMEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, encoded: string): boolean {
  const [, n, r, p, salt, hash] = encoded.split('$');
  const expected = Buffer.from(hash ?? '', 'base64');
  const actual = scryptSync(password, Buffer.from(salt ?? '', 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAXMEM,
  });
  return expected.length > 0 && timingSafeEqual(actual, expected);
}
