import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'plist';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCa } from '../../../src/ca/authority.js';
import { createLeafMinter } from '../../../src/ca/leaf.js';
import { registerCaCommands } from '../../../src/cli/ca.js';
import { loadPolicyDir } from '../../../src/policy/load.js';
import { forgeCa, tempDir, writeFiles } from './fixtures.js';

/** Runs `zdr-egress <args>` in-process and captures stdout, stderr and the exit code. */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const program = new Command('zdr-egress').exitOverride();
  registerCaCommands(program);
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += Buffer.from(chunk).toString('latin1');
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += Buffer.from(chunk).toString();
    return true;
  });
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'zdr-egress', ...args]);
  } catch (err) {
    stderr += String(err);
    process.exitCode = 1;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout, stderr, code };
}

afterEach(() => {
  process.exitCode = 0;
});

describe('zdr-egress ca', () => {
  const certs = join(tempDir(), 'certs');

  it('init creates the CA and prints its fingerprint and the next step', async () => {
    const r = await cli('ca', 'init', '--certs', certs, '--cn', 'Test Proxy CA', '--years', '3');
    expect(r.code).toBe(0);
    expect(statSync(join(certs, 'ca.key')).mode & 0o777).toBe(0o600);
    const ca = loadCa(certs);
    expect(r.stdout).toContain(ca.fingerprint256);
    expect(r.stdout).toContain('CN=Test Proxy CA, O=zdr-egress');
    expect(r.stdout).toContain('ca export');
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('init refuses to overwrite without --force, exit code 1', async () => {
    const r = await cli('ca', 'init', '--certs', certs);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exist.*--force \[CA_EXISTS\]/);
  });

  it('show prints subject, validity, fingerprint, SPKI hash, kind and constraints', async () => {
    const r = await cli('ca', 'show', '--certs', certs);
    expect(r.code).toBe(0);
    for (const label of [
      'subject',
      'kind',
      'valid from',
      'valid until',
      'SHA-256',
      'SPKI SHA-256',
      'name constraints',
    ]) {
      expect(r.stdout).toContain(label);
    }
    expect(r.stdout).toContain('root (self-signed)');
    expect(r.stdout).toContain(loadCa(certs).spkiSha256);
  });

  it('show --json is machine-readable', async () => {
    const r = await cli('ca', 'show', '--certs', certs, '--json');
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ kind: 'root', usable: true, fingerprint256: loadCa(certs).fingerprint256 });
  });

  it.each(['pem', 'der', 'mobileconfig'])(
    'export --format %s --out writes a file that parses back',
    async (format) => {
      const file = join(tempDir(), `ca.${format}`);
      const r = await cli('ca', 'export', '--format', format, '--out', file, '--certs', certs);
      expect(r.code).toBe(0);
      const bytes = readFileSync(file);
      const der =
        format === 'mobileconfig'
          ? Buffer.from(
              (parse(bytes.toString()) as { PayloadContent: { PayloadContent: Uint8Array }[] })
                .PayloadContent[0]?.PayloadContent ?? new Uint8Array(),
            )
          : new X509Certificate(bytes).raw;
      expect(der.equals(loadCa(certs).certDer)).toBe(true);
    },
  );

  it('export writes PEM to stdout without --out', async () => {
    const r = await cli('ca', 'export', '--format', 'pem', '--certs', certs);
    expect(r.stdout).toBe(loadCa(certs).certPem);
  });

  it('export rejects an unknown format', async () => {
    const r = await cli('ca', 'export', '--format', 'p12', '--certs', certs);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('p12');
  });

  it('show reports a world-readable key with the chmod fix and exit code 1', async () => {
    const dir = join(tempDir(), 'certs');
    await cli('ca', 'init', '--certs', dir, '--years', '1');
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, 'ca.key'), 0o644);
    const r = await cli('ca', 'show', '--certs', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('subject');
    expect(r.stdout).toContain(`run: chmod 600 ${join(dir, 'ca.key')}`);
  });

  it('import takes an intermediate with its chain and show calls it one', async () => {
    const root = forgeCa('Example Root CA', null);
    const mid = forgeCa('Example Issuing CA', root, { pathLen: 0 });
    const f = writeFiles(tempDir(), {
      'mid.pem': mid.certPem,
      'mid.key': mid.keyPem,
      'root.pem': root.certPem,
    });
    const dir = join(tempDir(), 'certs');
    const r = await cli(
      'ca',
      'import',
      '--cert',
      f['mid.pem'] ?? '',
      '--key',
      f['mid.key'] ?? '',
      '--chain',
      f['root.pem'] ?? '',
      '--certs',
      dir,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'chain.pem'))).toBe(true);
    const show = await cli('ca', 'show', '--certs', dir);
    expect(show.stdout).toContain('intermediate, issued by CN=Example Root CA, O=Example Corp');
    expect(show.stdout).toContain('trust anchor');
  });

  it('import without the chain explains what is missing', async () => {
    const root = forgeCa('Example Root CA', null);
    const mid = forgeCa('Example Issuing CA', root, { pathLen: 0 });
    const f = writeFiles(tempDir(), { 'mid.pem': mid.certPem, 'mid.key': mid.keyPem });
    const r = await cli(
      'ca',
      'import',
      '--cert',
      f['mid.pem'] ?? '',
      '--key',
      f['mid.key'] ?? '',
      '--certs',
      join(tempDir(), 'c'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CA_CHAIN_INCOMPLETE');
    expect(r.stderr).toContain('CN=Example Root CA');
  });

  it('init --name-constraints reports an unusable policy folder instead of creating an unconstrained CA', async () => {
    const dir = join(tempDir(), 'certs');
    const r = await cli('ca', 'init', '--certs', dir, '--name-constraints', '--policies', tempDir());
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'ca.pem'))).toBe(false);
  });

  it('init --name-constraints turns the compiled policy namedHosts into permitted subtrees', async () => {
    // The policy compiler is another module's; a stub keeps this test about the CA.
    vi.doMock('../../../src/policy/load.js', () => ({
      loadPolicyDir: () => ({
        ok: true,
        policy: { namedHosts: ['*.openai.com', 'api.openai.com', 'claude.ai'] },
      }),
    }));
    try {
      const dir = join(tempDir(), 'certs');
      const r = await cli('ca', 'init', '--certs', dir, '--name-constraints', '--years', '1');
      expect(r.stderr).toBe('');
      expect(loadCa(dir).nameConstraints).toEqual([
        'permitted DNS:claude.ai',
        'permitted DNS:openai.com',
        'excluded IP:0.0.0.0/0',
        'excluded IP:::/0',
      ]);
      expect(r.stdout).toContain('permitted DNS:claude.ai');
    } finally {
      vi.doUnmock('../../../src/policy/load.js');
    }
  });

  const shipped = join(process.cwd(), 'policies');
  const shippedPolicy = existsSync(shipped) ? loadPolicyDir(shipped) : null;
  it.runIf(shippedPolicy?.ok === true)(
    'init --name-constraints permits the hosts the shipped policy names',
    async () => {
      const dir = join(tempDir(), 'certs');
      const r = await cli(
        'ca',
        'init',
        '--certs',
        dir,
        '--name-constraints',
        '--policies',
        shipped,
        '--years',
        '1',
      );
      expect(r.stderr).toBe('');
      const ca = loadCa(dir);
      expect(ca.nameConstraints.some((l) => l.startsWith('permitted DNS:'))).toBe(true);
      expect(ca.nameConstraints).toContain('excluded IP:0.0.0.0/0');
      const mint = createLeafMinter(ca);
      expect(mint('api.openai.com').certPem).toContain('BEGIN CERTIFICATE');
      expect(() => mint('bank.example')).toThrow(expect.objectContaining({ code: 'CA_NAME_NOT_PERMITTED' }));
    },
  );
});
