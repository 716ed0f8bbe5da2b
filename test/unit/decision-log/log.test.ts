import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDecisionLog, type DecisionLog } from '../../../src/decision-log/log.js';
import type { Problem } from '../../../src/decision-log/problems.js';
import { openReportReader } from '../../../src/decision-log/queries.js';
import type { DecisionRecord } from '../../../src/domain/record.js';
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

function open(dataDir: string, extra: Partial<Parameters<typeof openDecisionLog>[0]> = {}): DecisionLog {
  const log = openDecisionLog({ dataDir, writer: 'inline', ...extra });
  cleanups.push(() => log.close());
  return log;
}

function countRows(dataDir: string): number {
  const reader = openReportReader([dataDir]);
  try {
    return reader.decisions({ limit: 0 }).total;
  } finally {
    reader.close();
  }
}

describe('openDecisionLog', () => {
  it('creates <dataDir>/decisions.db in WAL mode with incremental auto-vacuum and a schema version', () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const log = open(dir);
    log.append(record());
    log.flush();
    const db = new Database(path.join(dir, 'decisions.db'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
      expect(db.pragma('user_version', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('writes queued records in a batch once batchMs has passed', async () => {
    const dir = tempDir();
    const log = open(dir, { batchMs: 20 });
    for (let i = 0; i < 3; i++) log.append(record());
    expect(log.health().written).toBe(0);
    await vi.waitFor(() => expect(log.health().written).toBe(3));
    expect(countRows(dir)).toBe(3);
  });

  it('hands the queue over as soon as batchRows records wait', async () => {
    const dir = tempDir();
    const log = open(dir, { batchMs: 3_600_000, batchRows: 10 });
    for (let i = 0; i < 10; i++) log.append(record());
    await vi.waitFor(() => expect(log.health().written).toBe(10));
  });

  it('flush() writes everything queued before it returns', () => {
    const dir = tempDir();
    const log = open(dir, { batchMs: 3_600_000 });
    for (let i = 0; i < 5; i++) log.append(record());
    expect(log.health().queued).toBe(5);
    log.flush();
    expect(log.health()).toMatchObject({
      written: 5,
      queued: 0,
      dropped: 0,
      writable: true,
      lastErrorCode: null,
    });
    expect(countRows(dir)).toBe(5);
  });

  it('close() flushes, and later appends are dropped and counted instead of throwing', () => {
    const dir = tempDir();
    const log = open(dir, { batchMs: 3_600_000 });
    log.append(record());
    log.close();
    expect(() => log.append(record())).not.toThrow();
    expect(log.health().dropped).toBe(1);
    expect(countRows(dir)).toBe(1);
  });

  it('counts a malformed record as dropped and never throws from append()', () => {
    const log = open(tempDir());
    expect(() => log.append({ ...record(), ts: Number.NaN })).not.toThrow();
    expect(() => log.append(null as unknown as DecisionRecord)).not.toThrow();
    expect(log.health().dropped).toBe(2);
  });

  it('keeps a duplicate id once and does not lose the rest of the batch', () => {
    const dir = tempDir();
    const log = open(dir);
    const r = record();
    log.append(r);
    log.append(r);
    log.append(record());
    log.flush();
    expect(countRows(dir)).toBe(2);
  });

  it('drops beyond maxQueue and counts it', () => {
    const log = open(tempDir(), { batchMs: 3_600_000, batchRows: 1_000, maxQueue: 3 });
    for (let i = 0; i < 5; i++) log.append(record());
    expect(log.health()).toMatchObject({ queued: 3, dropped: 2 });
  });
});

describe('a decision log that cannot be written', () => {
  it('keeps accepting appends when the data dir cannot be created, counts the drops and says so in health()', () => {
    const parent = tempDir();
    const file = path.join(parent, 'not-a-dir');
    fs.writeFileSync(file, '');
    const problems: Problem[] = [];
    const log = open(path.join(file, 'data'), { onProblem: (p) => problems.push(p) });
    for (let i = 0; i < 4; i++)
      expect(() => log.append(record({ host: 'secret-host.example' }))).not.toThrow();
    expect(() => log.flush()).not.toThrow();
    expect(log.health()).toMatchObject({ writable: false, dropped: 4, queued: 0, lastErrorCode: 'ENOTDIR' });
    log.append(record());
    log.flush();
    // At most one report a minute per kind; none quotes the record.
    expect(problems).toEqual([{ kind: 'write_failed', code: 'ENOTDIR', count: 4 }]);
    expect(JSON.stringify(problems)).not.toContain('secret-host');
  });

  it('counts drops when decisions.db is not a database, and never throws', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'decisions.db'), 'this is not sqlite'.repeat(300));
    const log = open(dir);
    log.append(record());
    log.flush();
    expect(log.health()).toMatchObject({ writable: false, dropped: 1, lastErrorCode: 'SQLITE_NOTADB' });
  });

  it('reopens the database once the cause is gone', async () => {
    const parent = tempDir();
    const blocker = path.join(parent, 'data');
    fs.writeFileSync(blocker, '');
    const log = open(blocker, { reopenSeconds: 0.02 });
    expect(log.health().writable).toBe(false);
    fs.rmSync(blocker);
    await vi.waitFor(() => expect(log.health().writable).toBe(true));
    log.append(record());
    log.flush();
    expect(countRows(blocker)).toBe(1);
  });

  it('holds records while another connection locks the file, then writes them (SQLITE_BUSY)', async () => {
    const dir = tempDir();
    const log = open(dir, { batchMs: 3_600_000 });
    log.append(record());
    log.flush();
    const other = new Database(path.join(dir, 'decisions.db'));
    cleanups.push(() => other.close());
    other.exec('BEGIN EXCLUSIVE');
    for (let i = 0; i < 3; i++) log.append(record());
    expect(() => log.flush()).not.toThrow();
    expect(log.health()).toMatchObject({
      writable: false,
      queued: 3,
      dropped: 0,
      lastErrorCode: 'SQLITE_BUSY',
    });
    other.exec('COMMIT');
    await vi.waitFor(() => expect(log.health()).toMatchObject({ writable: true, written: 4, queued: 0 }));
  });

  it('drops and counts what does not fit in maxQueue while the file stays locked', () => {
    const dir = tempDir();
    const problems: Problem[] = [];
    const log = open(dir, { batchMs: 3_600_000, maxQueue: 2, onProblem: (p) => problems.push(p) });
    log.append(record());
    log.flush();
    const other = new Database(path.join(dir, 'decisions.db'));
    cleanups.push(() => other.close());
    other.exec('BEGIN EXCLUSIVE');
    for (let i = 0; i < 5; i++) log.append(record());
    log.flush();
    other.exec('COMMIT');
    expect(log.health()).toMatchObject({ dropped: 3, queued: 2 });
    // The first drop is reported at once; the next two wait for the next minute (problems.test.ts).
    expect(problems).toEqual([{ kind: 'dropped', code: 'queue_full', count: 1 }]);
  });
});
