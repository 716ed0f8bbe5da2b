import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY } from '../../../src/decision-log/buckets.js';
import { WriteEngine } from '../../../src/decision-log/engine.js';
import { openReportReader } from '../../../src/decision-log/queries.js';
import { toRow, type RowTuple } from '../../../src/decision-log/row.js';
import { DecisionStore } from '../../../src/decision-log/store.js';
import { record } from './records.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-dlog-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function rows(n: number, over: Parameters<typeof record>[0] = {}): RowTuple[] {
  return Array.from({ length: n }, () => toRow(record(over)) as RowTuple);
}

describe('WriteEngine', () => {
  it('drops and counts batches on a full disk (SQLITE_FULL), keeps the database open and recovers', () => {
    const dir = tempDir();
    let store: DecisionStore | null = null;
    const losses: [string, number][] = [];
    const engine = new WriteEngine(
      { dataDir: dir, retentionDays: 90, maxPending: 100_000 },
      (code, n) => losses.push([code, n]),
      () => {},
      (d) => (store = DecisionStore.open(d)),
    );
    engine.start();
    cleanups.push(() => engine.close());
    engine.submit(rows(10));
    engine.drain();
    (store as unknown as DecisionStore).setMaxPageCount(1); // below the current size: nothing more fits
    engine.submit(rows(2_000, { path: '/' + 'x'.repeat(1_000) }));
    expect(() => engine.drain()).not.toThrow();
    expect(engine.state()).toMatchObject({
      writable: false,
      lost: 2_000,
      pending: 0,
      lastErrorCode: 'SQLITE_FULL',
    });
    expect(losses).toEqual([['SQLITE_FULL', 2_000]]);
    (store as unknown as DecisionStore).setMaxPageCount(1_000_000);
    engine.submit(rows(1));
    engine.drain();
    expect(engine.state()).toMatchObject({ writable: true, written: 11, lastErrorCode: null });
  });

  it('prunes rows and rollups older than retentionDays, and reports agree with what is left', async () => {
    const dir = tempDir();
    const engine = new WriteEngine({ dataDir: dir, retentionDays: 30, maxPending: 100_000 }, () => {});
    engine.start();
    cleanups.push(() => engine.close());
    const now = Date.UTC(2025, 5, 1, 12);
    engine.submit(rows(12_000, { ts: now - 40 * DAY })); // more than one 5,000-row delete statement
    engine.submit(rows(7, { ts: now - 29 * DAY }));
    engine.submit(rows(3, { ts: now - DAY, action: 'allow' }));
    engine.drain();
    expect(await engine.runRetention(now)).toBe(12_000);
    const reader = openReportReader([dir]);
    cleanups.push(() => reader.close());
    const all = reader.summary({});
    expect(all.total).toBe(10);
    expect(all.totals).toEqual({ allow: 3, block: 7, report: 0, warn: 0 });
    expect(reader.summary({ since: now - 60 * DAY, until: now }).byReason).toEqual([
      { value: 'consumer_surface', count: 7, byAction: { allow: 0, block: 7, report: 0, warn: 0 } },
    ]);
  });

  it('keeps the file size bounded: pruned pages are returned to the file system', async () => {
    const dir = tempDir();
    const engine = new WriteEngine({ dataDir: dir, retentionDays: 1, maxPending: 100_000 }, () => {});
    engine.start();
    cleanups.push(() => engine.close());
    const now = Date.UTC(2025, 5, 1, 12);
    engine.submit(rows(20_000, { ts: now - 10 * DAY, path: '/' + 'p'.repeat(200) }));
    engine.drain();
    engine.close();
    const full = fs.statSync(path.join(dir, 'decisions.db')).size;
    const again = new WriteEngine({ dataDir: dir, retentionDays: 1, maxPending: 100_000 }, () => {});
    again.start();
    cleanups.push(() => again.close());
    await again.runRetention(now);
    again.close(); // checkpoints the WAL into the main file
    expect(fs.statSync(path.join(dir, 'decisions.db')).size).toBeLessThan(full / 4);
  });
});
