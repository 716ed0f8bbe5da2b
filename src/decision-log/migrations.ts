// Versioned schema of decisions.db. PRAGMA user_version holds the number of migrations applied; each
// migration runs once, in its own transaction, at open. Append new migrations; never edit an old one.

import type Database from 'better-sqlite3';

/**
 * v1: the `decisions` table (INTERFACES.md columns) and two rollup tables kept in the same
 * transaction as the inserts, so a report over millions of rows reads thousands of counts instead.
 *   rollup_core: every decision, by (hour|day bucket, action, reason, provider, surface, host). Hosts
 *                are bounded by the policy catalog (only intercepted hosts are decided).
 *   rollup_who:  non-allow decisions only, by (hour|day bucket, dim, value, action, reason) for the
 *                high-cardinality dims client_ip and offender ('user:<user>' or 'ip:<client_ip>').
 * Rollups store '' for NULL because primary-key columns of WITHOUT ROWID tables cannot be NULL.
 * Indexes serve the raw paths: ts for ranges and paging, (action, ts) for action filters, and
 * (host|user|client_ip, ts, ...) for the drill-downs that rollups cannot answer. Those three hold the
 * non-allow rows only, which roughly halves the insert cost at 85% allowed traffic: per-person views
 * cover policy violations, allowed traffic is counted by host, provider and time (and a host filter
 * over allowed traffic is answered hour by hour from rollup_core and the ts index). They cover every
 * column a summary groups by, so a drill-down summary reads the index alone, in order. No
 * (reason, ts) index: reason filters are answered from rollup_core, which also tells which hours
 * hold matching rows.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE decisions (
     id TEXT PRIMARY KEY NOT NULL,
     ts INTEGER NOT NULL,
     client_ip TEXT NOT NULL,
     "user" TEXT,
     host TEXT NOT NULL,
     port INTEGER,
     method TEXT NOT NULL,
     path TEXT NOT NULL,
     provider TEXT,
     surface TEXT,
     credential_kind TEXT,
     credential_fp TEXT,
     action TEXT NOT NULL,
     reason TEXT NOT NULL,
     rule_id TEXT,
     status INTEGER,
     bytes_up INTEGER,
     bytes_down INTEGER,
     duration_ms INTEGER,
     policy_version TEXT
   );
   CREATE INDEX decisions_ts ON decisions (ts);
   CREATE INDEX decisions_action_ts ON decisions (action, ts);
   CREATE INDEX decisions_host_ts ON decisions (host, ts, action, reason, provider, surface, client_ip, "user")
     WHERE action != 'allow';
   CREATE INDEX decisions_user_ts ON decisions ("user", ts, action, reason, provider, surface, host, client_ip)
     WHERE action != 'allow';
   CREATE INDEX decisions_client_ts ON decisions (client_ip, ts, action, reason, provider, surface, host, "user")
     WHERE action != 'allow';
   CREATE TABLE rollup_core (
     grain INTEGER NOT NULL, bucket INTEGER NOT NULL, action TEXT NOT NULL, reason TEXT NOT NULL,
     provider TEXT NOT NULL, surface TEXT NOT NULL, host TEXT NOT NULL, n INTEGER NOT NULL,
     PRIMARY KEY (grain, bucket, action, reason, provider, surface, host)
   ) WITHOUT ROWID;
   CREATE TABLE rollup_who (
     grain INTEGER NOT NULL, dim TEXT NOT NULL, bucket INTEGER NOT NULL, value TEXT NOT NULL,
     action TEXT NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL,
     PRIMARY KEY (grain, dim, bucket, value, action, reason)
   ) WITHOUT ROWID;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies the pending migrations. Throws when the file was written by a newer zdr-egress. */
export function migrate(db: Database.Database): void {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw Object.assign(
      new Error(`decisions.db has schema v${current}, newer than this zdr-egress (v${SCHEMA_VERSION})`),
      {
        code: 'schema_too_new',
      },
    );
  }
  if (current === 0) {
    // Must precede the first table: afterwards it only takes effect through a full VACUUM.
    db.pragma('auto_vacuum = INCREMENTAL');
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
