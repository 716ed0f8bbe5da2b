// The write connection to <dataDir>/decisions.db: pragmas, migrations, one batched insert that also
// updates the rollups in the same transaction, and the retention primitives. Synchronous, like
// better-sqlite3; the writer engine decides on which thread it runs.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DAY, HOUR } from './buckets.js';
import { migrate } from './migrations.js';
import { COLUMNS, type RowTuple } from './row.js';

export const DB_FILE = 'decisions.db';

/** Short: the writer must never sit long on a lock (a busy batch is retried later instead). */
const BUSY_TIMEOUT_MS = 100;

const WHO_DIMS: readonly (readonly [string, string])[] = [
  ['client_ip', 'client_ip'],
  ['offender', `CASE WHEN "user" IS NOT NULL THEN 'user:' || "user" ELSE 'ip:' || client_ip END`],
];

export class DecisionStore {
  private readonly insertRow: Database.Statement;
  private readonly maxRowid: Database.Statement;
  private readonly rollups: Database.Statement[];
  private readonly insertAll: (rows: readonly RowTuple[]) => number;

  private constructor(private readonly db: Database.Database) {
    const cols = COLUMNS.map((c) => `"${c}"`).join(', ');
    this.insertRow = db.prepare(
      `INSERT OR IGNORE INTO decisions (${cols}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
    );
    this.maxRowid = db.prepare('SELECT coalesce(max(rowid), 0) FROM decisions').pluck();
    // Rollups are computed in SQL from the rows this transaction just inserted (rowid > before):
    // one statement per table and grain instead of thousands of single-row upserts from JS.
    this.rollups = [];
    for (const g of [HOUR, DAY]) {
      this.rollups.push(
        db.prepare(
          `INSERT INTO rollup_core (grain, bucket, action, reason, provider, surface, host, n)
           SELECT ${g}, (ts / ${g}) * ${g} AS b, action, reason, coalesce(provider, '') AS p, coalesce(surface, '') AS s,
             host, count(*)
           FROM decisions WHERE rowid > ? GROUP BY b, action, reason, p, s, host
           ON CONFLICT DO UPDATE SET n = n + excluded.n`,
        ),
      );
      for (const [dim, expr] of WHO_DIMS) {
        this.rollups.push(
          db.prepare(
            `INSERT INTO rollup_who (grain, dim, bucket, value, action, reason, n)
             SELECT ${g}, '${dim}', (ts / ${g}) * ${g} AS b, ${expr} AS v, action, reason, count(*)
             FROM decisions WHERE rowid > ? AND action != 'allow' GROUP BY b, v, action, reason
             ON CONFLICT DO UPDATE SET n = n + excluded.n`,
          ),
        );
      }
    }
    this.insertAll = db.transaction((rows: readonly RowTuple[]) => {
      const before = this.maxRowid.get() as number;
      let inserted = 0;
      for (const row of rows) inserted += this.insertRow.run(row).changes;
      if (inserted > 0) for (const s of this.rollups) s.run(before);
      return inserted;
    }).immediate;
  }

  /** Creates the directory and file as needed. Throws the SQLite (or fs) error when it cannot. */
  static open(dataDir: string): DecisionStore {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, DB_FILE), { timeout: BUSY_TIMEOUT_MS });
    try {
      const empty = (db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() as number) === 0;
      if (empty) db.pragma('auto_vacuum = INCREMENTAL');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Scattered index pages: fewer, larger checkpoints write each hot page once instead of often.
      db.pragma('wal_autocheckpoint = 10000');
      db.pragma('journal_size_limit = 67108864');
      // 4 MiB of page cache: the writer only touches the right edge of each index. A larger cache
      // fills slowly as the log grows (32 MiB showed as RSS creeping up for a quarter of an hour).
      db.pragma('cache_size = -4096');
      migrate(db);
      return new DecisionStore(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** One transaction; returns how many rows were new (a duplicate id is ignored, not an error). */
  insert(rows: readonly RowTuple[]): number {
    return rows.length === 0 ? 0 : this.insertAll(rows);
  }

  /**
   * Recomputes both rollup tables from the rows (after a bulk import or a repair). One transaction;
   * a full pass over the table per rollup statement.
   */
  rebuildRollups(): void {
    this.db.transaction(() => {
      this.db.exec('DELETE FROM rollup_core; DELETE FROM rollup_who;');
      for (const s of this.rollups) s.run(0);
    })();
  }

  /** Deletes up to `limit` of the oldest rows older than `cutoff`; returns how many. */
  pruneRows(cutoff: number, limit: number): number {
    return this.db
      .prepare(
        'DELETE FROM decisions WHERE rowid IN (SELECT rowid FROM decisions WHERE ts < ? ORDER BY ts LIMIT ?)',
      )
      .run(cutoff, limit).changes;
  }

  /** Rollup buckets that start before `cutoff` (a day boundary, so no bucket straddles it). */
  pruneRollups(cutoff: number): number {
    let n = this.db
      .prepare('DELETE FROM rollup_core WHERE grain IN (?, ?) AND bucket < ?')
      .run(HOUR, DAY, cutoff).changes;
    for (const g of [HOUR, DAY]) {
      for (const [dim] of WHO_DIMS) {
        n += this.db
          .prepare('DELETE FROM rollup_who WHERE grain = ? AND dim = ? AND bucket < ?')
          .run(g, dim, cutoff).changes;
      }
    }
    return n;
  }

  /** Returns up to `pages` free pages to the file system; returns how many were free before. */
  vacuumStep(pages: number): number {
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    if (free > 0) this.db.pragma(`incremental_vacuum(${pages})`);
    return free;
  }

  /** Caps the file at `pages` pages (SQLITE_FULL beyond): how tests simulate a full disk. */
  setMaxPageCount(pages: number): void {
    this.db.pragma(`max_page_count = ${Math.trunc(pages)}`);
  }

  close(): void {
    try {
      this.db.close();
    } catch {
      // Closing a connection whose file vanished or failed: nothing left to release.
    }
  }
}
