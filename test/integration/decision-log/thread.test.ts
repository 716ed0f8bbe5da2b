import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as LogModule from '../../../src/decision-log/log.js';
import type * as QueriesModule from '../../../src/decision-log/queries.js';
import type * as ClientModule from '../../../src/decision-log/report-client.js';
import { record } from '../../unit/decision-log/records.js';
import { buildDecisionLog, removeBuild } from './build.js';

let out: string;
let logModule: typeof LogModule;
let queries: typeof QueriesModule;
let clientModule: typeof ClientModule;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  out = buildDecisionLog();
  logModule = (await import(pathToFileURL(path.join(out, 'log.js')).href)) as typeof LogModule;
  queries = (await import(pathToFileURL(path.join(out, 'queries.js')).href)) as typeof QueriesModule;
  clientModule = (await import(
    pathToFileURL(path.join(out, 'report-client.js')).href
  )) as typeof ClientModule;
}, 120_000);
afterAll(() => removeBuild(out));
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-thread-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function count(dir: string): number {
  const r = queries.openReportReader([dir]);
  try {
    return r.summary({}).total;
  } finally {
    r.close();
  }
}

describe('decision log with its writer thread (compiled)', () => {
  it('writes batches from the thread and flush() waits for them synchronously', () => {
    const dir = tempDir();
    const log = logModule.openDecisionLog({ dataDir: dir, batchMs: 3_600_000 });
    cleanups.push(() => log.close());
    for (let i = 0; i < 1_234; i++) log.append(record());
    log.flush();
    expect(log.health()).toMatchObject({ written: 1_234, queued: 0, dropped: 0, writable: true });
    expect(count(dir)).toBe(1_234);
  });

  it('close() writes what is left and later appends are counted as dropped', () => {
    const dir = tempDir();
    const log = logModule.openDecisionLog({ dataDir: dir, batchMs: 3_600_000 });
    for (let i = 0; i < 10; i++) log.append(record());
    log.close();
    log.append(record());
    expect(log.health().dropped).toBe(1);
    expect(count(dir)).toBe(10);
  });

  it('keeps serving while another process holds the database locked, then catches up', async () => {
    const dir = tempDir();
    const log = logModule.openDecisionLog({ dataDir: dir, batchMs: 10 });
    cleanups.push(() => log.close());
    log.append(record());
    log.flush();
    const other = new Database(path.join(dir, 'decisions.db'));
    other.exec('BEGIN EXCLUSIVE');
    try {
      for (let i = 0; i < 50; i++) expect(() => log.append(record())).not.toThrow();
      await vi.waitFor(() =>
        expect(log.health()).toMatchObject({ writable: false, lastErrorCode: 'SQLITE_BUSY' }),
      );
      expect(log.health().dropped).toBe(0);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    await vi.waitFor(() => expect(log.health()).toMatchObject({ writable: true, written: 51, queued: 0 }));
  });

  it('reports a data dir it cannot create through health() and onProblem, without throwing', async () => {
    const parent = tempDir();
    fs.writeFileSync(path.join(parent, 'file'), '');
    const problems: unknown[] = [];
    const log = logModule.openDecisionLog({
      dataDir: path.join(parent, 'file', 'data'),
      onProblem: (p) => problems.push(p),
    });
    cleanups.push(() => log.close());
    log.append(record());
    log.flush();
    expect(log.health()).toMatchObject({ writable: false, dropped: 1 });
    await vi.waitFor(() => expect(problems).toEqual([{ kind: 'write_failed', code: 'ENOTDIR', count: 1 }]));
  });
});

describe('report client with its query thread (compiled)', () => {
  it('answers summaries, pages and ids from the thread, and rejects with a code when there is no log', async () => {
    const dir = tempDir();
    const log = logModule.openDecisionLog({ dataDir: dir });
    const r = record({ user: 'alice' });
    log.append(r);
    for (let i = 0; i < 9; i++) log.append(record({ action: 'allow', reason: 'allowed' }));
    log.close();
    const client = clientModule.openReportClient([dir]);
    cleanups.push(() => client.close());
    const [summary, page, row] = await Promise.all([
      client.summary({}),
      client.decisions({ limit: 3 }),
      client.byId(r.id),
    ]);
    expect(summary.totals).toEqual({ allow: 9, block: 1, report: 0, warn: 0 });
    expect(page.total).toBe(10);
    expect(page.rows).toHaveLength(3);
    expect(row?.user).toBe('alice');
    const missing = clientModule.openReportClient([path.join(dir, 'nowhere')]);
    cleanups.push(() => missing.close());
    await expect(missing.summary({})).rejects.toMatchObject({ code: 'no_decision_log' });
  });
});
