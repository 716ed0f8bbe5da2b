// `start --workers 2`: two processes share the proxy port, one decision-log writer records both.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { curl } from '../../helpers/clients.js';
import { REPO_POLICIES } from '../../helpers/egress.js';

const BIN = new URL('../../../dist/cli/index.js', import.meta.url).pathname;

/** `start --workers 2` in a fresh folder, with its output collected and its exit code awaited. */
function startWorkers() {
  const cwd = mkdtempSync(join(tmpdir(), 'zdr-workers-'));
  const child = spawn(
    process.execPath,
    [
      BIN,
      'start',
      '--workers',
      '2',
      '--listen',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--policies',
      REPO_POLICIES,
    ],
    { cwd, env: { PATH: process.env.PATH ?? '', HOME: tmpdir() }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const io = { out: '', err: '' };
  child.stdout.on('data', (c: Buffer) => (io.out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (io.err += c.toString()));
  const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
  const ready = async (): Promise<string> => {
    for (let i = 0; i < 200 && !io.out.includes('workers 2'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(io.out, io.err).toMatch(/zdr-egress ready: proxy http:\/\/127\.0\.0\.1:\d+ .* workers 2/);
    return /proxy (http:\/\/\S+)/.exec(io.out)?.[1] ?? '';
  };
  return { cwd, child, io, exited, ready };
}

const chatgptThrough = (proxy: string, n: number) =>
  Promise.all(
    Array.from({ length: n }, () =>
      curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-x', proxy, 'http://chatgpt.com/']),
    ),
  );

it('serves from two workers and records every decision in the one log, then drains on SIGTERM', async () => {
  const { cwd, child, exited, ready } = startWorkers();
  try {
    const proxy = await ready();
    const results = await chatgptThrough(proxy, 20);
    expect(results.map((r) => r.stdout)).toEqual(Array(20).fill('403'));
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  const db = new Database(join(cwd, 'data', 'decisions.db'), { readonly: true });
  const rows = db
    .prepare("select count(*) as n from decisions where host = 'chatgpt.com' and reason = 'consumer_surface'")
    .get() as { n: number };
  db.close();
  expect(rows.n).toBe(20);
}, 30_000);

it('replaces a worker that dies, keeps serving, and still drains to exit 0', async () => {
  const { child, io, exited, ready } = startWorkers();
  // The primary's children (Linux): the two workers.
  const workers = (): number[] =>
    readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  try {
    const proxy = await ready();
    const before = workers();
    expect(before).toHaveLength(2);
    process.kill(before[0] as number, 'SIGKILL');
    for (let i = 0; i < 200 && !io.err.includes('starting another'); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(io.err).toMatch(/a worker exited \(SIGKILL\); starting another/);
    let now: number[] = [];
    for (let i = 0; i < 120; i++) {
      now = workers();
      if (now.length === 2 && !now.includes(before[0] as number)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(now).toHaveLength(2);
    expect(now).not.toContain(before[0]);
    // Past two of the primary's one-second health broadcasts, which must not trip over the dead worker.
    await new Promise((r) => setTimeout(r, 2500));
    const results = await chatgptThrough(proxy, 10);
    expect(results.map((r) => r.stdout)).toEqual(Array(10).fill('403'));
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited, io.err).toBe(0);
  expect(io.err).not.toMatch(/ERR_IPC_CHANNEL_CLOSED|Unhandled/);
}, 40_000);
