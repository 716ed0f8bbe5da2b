// The real binary: startup on defaults in a fresh folder, clear errors on bad input, graceful
// drain on SIGTERM. Runs dist/ (built by `npm test`'s pretest) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { proxiedAgent } from '../../helpers/clients.js';
import { preparePolicies, REPO_POLICIES } from '../../helpers/egress.js';
import { startHttpsUpstream } from '../../helpers/https-upstream.js';

const BIN = new URL('../../../dist/cli/index.js', import.meta.url).pathname;
const KEY = 'sk-proj-lifecycleAAAAAAAAAAAAAAAAAT3BlbkFJlifecycleBBBBBBBBBBBBBBB';
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** A clean environment: no ZDR_EGRESS_* from the machine, no global CA variables. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...extra };
}

function run(args: string[], cwd: string, env = cleanEnv()) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const ready = async (): Promise<string> => {
    for (let i = 0; i < 300 && !stdout.includes('zdr-egress ready'); i++) {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return stdout.split('\n').find((l) => l.startsWith('zdr-egress ready')) ?? '';
  };
  return { child, exited, ready, out: () => stdout, err: () => stderr };
}

describe('the zdr-egress binary', () => {
  it('starts in an empty folder: creates the CA (key 0600), prints one line with both addresses and the CA fingerprint', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zdr-fresh-'));
    const p = run(
      ['start', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--policies', REPO_POLICIES],
      cwd,
    );
    const line = await p.ready();
    expect(line).toMatch(
      /^zdr-egress ready: proxy http:\/\/127\.0\.0\.1:\d+ admin http:\/\/127\.0\.0\.1:\d+ CA SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2} policy [0-9a-f]+$/,
    );
    expect(statSync(join(cwd, 'certs', 'ca.key')).mode & 0o777).toBe(0o600);
    const db = join(cwd, 'data', 'decisions.db');
    for (let i = 0; i < 100 && !existsSync(db); i++) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(db).isFile()).toBe(true);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it.each([
    [['start', '--listen', 'nonsense'], /listen: expected HOST:PORT/],
    [['start', '--mode', 'audit'], /mode/],
    [['start', '--inspection-cap', 'lots'], /inspection_cap: expected a size/],
  ])('exits 1 with a clear message on bad flags %j', async (args, message) => {
    const cwd = mkdtempSync(join(tmpdir(), 'zdr-bad-'));
    const p = run([...args, '--policies', REPO_POLICIES], cwd);
    expect(await p.exited).toBe(1);
    expect(p.err()).toMatch(message);
    expect(p.out()).toBe('');
  });

  it('exits 1 on an unknown ZDR_EGRESS_ variable and names it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zdr-bad-'));
    const p = run(['start'], cwd, cleanEnv({ ZDR_EGRESS_LISTNE: '1' }));
    expect(await p.exited).toBe(1);
    expect(p.err()).toContain('ZDR_EGRESS_LISTNE');
  });

  it('exits 1 on a broken policy with file:line: message', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zdr-bad-'));
    const policies = preparePolicies(REPO_POLICIES);
    writeFileSync(join(policies, 'policy.yaml'), 'version: 1\nsettings:\n  mode: enforce\n  colour: blue\n');
    const p = run(
      ['start', '--policies', policies, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'],
      cwd,
    );
    expect(await p.exited).toBe(1);
    expect(p.err()).toMatch(/policy\.yaml:4: .*colour/);
  });

  it('drains on SIGTERM: stops accepting, lets an in-flight stream finish, exits 0', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const upstream = await startHttpsUpstream(['api.openai.com'], (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      void released.then(() => res.end('data: two\n\n'));
    });
    try {
      const cwd = mkdtempSync(join(tmpdir(), 'zdr-drain-'));
      const policies = preparePolicies(REPO_POLICIES, [{ provider: 'openai', key: KEY }]);
      const p = run(
        [
          'start',
          '--listen',
          '127.0.0.1:0',
          '--admin',
          '127.0.0.1:0',
          '--policies',
          policies,
          '--upstream-ca',
          upstream.caFile,
          ...upstream.resolveFor('api.openai.com').flatMap((r) => ['--resolve', r]),
          '--shutdown-grace',
          '10s',
        ],
        cwd,
      );
      const line = await p.ready();
      const proxyUrl = /proxy (http:\/\/\S+)/.exec(line)?.[1] ?? '';
      const ca = await (await request(`${/admin (http:\/\/\S+)/.exec(line)?.[1] ?? ''}/ca.pem`)).body.text();
      const res = await request('https://api.openai.com/v1/chat/completions', {
        method: 'POST',
        dispatcher: proxiedAgent(proxyUrl, ca),
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [] }),
      });
      const chunks: string[] = [];
      const reading = (async () => {
        for await (const c of res.body) chunks.push(String(c));
      })();
      for (let i = 0; i < 100 && chunks.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      p.child.kill('SIGTERM');
      // New connections are refused while the stream drains. (Polled: on a loaded machine the child
      // can take longer than a fixed pause to act on the signal.)
      let refused = false;
      for (let i = 0; i < 50 && !refused; i++) {
        await new Promise((r) => setTimeout(r, 100));
        refused = await request(`${proxyUrl}/`, { method: 'GET' }).then(
          async (r) => {
            await r.body.dump();
            return false;
          },
          () => true,
        );
      }
      expect(refused).toBe(true);
      expect(p.child.exitCode).toBeNull();
      release();
      await reading;
      expect(chunks.join('')).toContain('data: two');
      expect(await p.exited).toBe(0);
      expect(p.err()).toContain('SIGTERM received, draining');
    } finally {
      await upstream.close();
    }
  });
});
