// `zdr-egress doctor` run as a client would: the real binary, against a real proxy, with and
// without this machine trusting the proxy CA.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';

const BIN = new URL('../../../dist/cli/index.js', import.meta.url).pathname;
const run = promisify(execFile);
let zdr: TestEgress;
let caFile: string;

beforeAll(async () => {
  zdr = await startTestEgress({});
  caFile = join(mkdtempSync(join(tmpdir(), 'zdr-doctor-')), 'ca.pem');
  writeFileSync(caFile, zdr.caPem);
});
afterAll(() => zdr?.stop());

async function doctor(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [BIN, 'doctor', '--proxy', zdr.proxyUrl, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...env },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? 1, out: e.stdout ?? '' };
  }
}

describe('zdr-egress doctor', () => {
  it('reports an untrusted CA with what to fix, and exits 1', async () => {
    const r = await doctor([], {});
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ok +proxy answers/m);
    expect(r.out).toMatch(
      /^ok +api\.openai\.com is intercepted by the proxy's CA: leaf issued by "zdr-egress/m,
    );
    expect(r.out).toMatch(/^FAIL +Node\.js trusts the proxy CA/m);
    expect(r.out).toContain('fix: Node.js ignores the OS store: export NODE_EXTRA_CA_CERTS');
    expect(r.out).toMatch(/^FAIL +OpenSSL trusts the proxy CA/m);
    expect(r.out).toContain('update-ca-certificates');
  });

  it('passes every check once Node and OpenSSL trust the CA', async () => {
    const r = await doctor(['--ca', caFile], { NODE_EXTRA_CA_CERTS: caFile, SSL_CERT_FILE: caFile });
    expect(r.out).toContain('all checks passed');
    expect(r.code).toBe(0);
  });

  it('says the proxy cannot be reached when it cannot', async () => {
    const r = await run(process.execPath, [BIN, 'doctor', '--proxy', 'http://127.0.0.1:1'], {
      env: { PATH: process.env.PATH ?? '' },
    }).catch((e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }));
    expect(r.stdout).toMatch(/^FAIL +proxy answers: cannot reach the proxy: ECONNREFUSED/m);
  });
});
