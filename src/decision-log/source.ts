// One decisions.db, read-only. Every count is a "group by one key" that picks the cheapest exact
// source: whole hours and days from the rollup tables, the ragged edges of the range from raw rows,
// and raw rows only (through an index) when a filter names a user or client the rollups do not
// carry. Lists page newest first, using the per-hour counts to jump straight to the requested offset.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ACTIONS, type Action } from '../domain/decision.js';
import { DAY, HOUR, segments, type Grain, type Segment } from './buckets.js';
import { SCHEMA_VERSION, schemaVersion } from './migrations.js';
import { COLUMNS, type DecisionRow } from './row.js';
import { DB_FILE } from './store.js';

export interface ReportFilter {
  readonly since?: number;
  readonly until?: number;
  readonly action?: string;
  readonly reason?: string;
  /** '' matches decisions without a provider. */
  readonly provider?: string;
  readonly host?: string;
  /** A user or client filter matches decisions that were not allowed (see docs/decision-log.md). */
  readonly user?: string;
  readonly clientIp?: string;
}

export type GroupKey =
  'action' | 'reason' | 'provider' | 'surface' | 'host' | 'client_ip' | 'offender' | 'hour' | 'day';
export type ActionCounts = Record<Action, number>;
/** Key value ('' for NULL) to counts per action. */
export type Grouped = Map<string, ActionCounts>;

export class ReportSourceError extends Error {
  constructor(
    readonly code: 'no_decision_log' | 'schema_too_new' | 'unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'ReportSourceError';
  }
}

const OFFENDER = `CASE WHEN "user" IS NOT NULL THEN 'user:' || "user" ELSE 'ip:' || client_ip END`;
const RAW_EXPR: Record<GroupKey, string> = {
  action: 'action',
  reason: 'reason',
  provider: "coalesce(provider, '')",
  surface: "coalesce(surface, '')",
  host: 'host',
  client_ip: 'client_ip',
  offender: OFFENDER,
  hour: `(ts / ${HOUR}) * ${HOUR}`,
  day: `(ts / ${DAY}) * ${DAY}`,
};
const CORE_EXPR: Partial<Record<GroupKey, string>> = {
  action: 'action',
  reason: 'reason',
  provider: 'provider',
  surface: 'surface',
  host: 'host',
  hour: `(bucket / ${HOUR}) * ${HOUR}`,
  day: `(bucket / ${DAY}) * ${DAY}`,
};
const WHO_KEYS: readonly GroupKey[] = ['client_ip', 'offender'];
const SELECT_COLUMNS = COLUMNS.map((c) => `"${c}"`).join(', ');
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

export function zeroCounts(): ActionCounts {
  return { allow: 0, block: 0, report: 0, warn: 0 };
}

export function addCounts(into: Grouped, key: string, action: string, n: number): void {
  if (!(ACTIONS as readonly string[]).includes(action)) return;
  let c = into.get(key);
  if (c === undefined) into.set(key, (c = zeroCounts()));
  c[action as Action] += n;
}

interface Where {
  readonly sql: string;
  readonly params: (string | number)[];
}

export class LogSource {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly dataDir: string) {
    const file = path.join(dataDir, DB_FILE);
    if (!fs.existsSync(file)) throw new ReportSourceError('no_decision_log', `no decision log at ${file}`);
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true, timeout: 1000 });
    } catch {
      throw new ReportSourceError('unreadable', `cannot open the decision log at ${file}`);
    }
    const v = schemaVersion(this.db);
    if (v > SCHEMA_VERSION || v === 0) {
      this.db.close();
      throw new ReportSourceError(
        v === 0 ? 'unreadable' : 'schema_too_new',
        v === 0
          ? `${file} is not a decision log`
          : `${file} has schema v${v}, newer than this zdr-egress (v${SCHEMA_VERSION})`,
      );
    }
    this.db.pragma('cache_size = -65536');
  }

  /** Runs `fn` in one read transaction: rollups and raw rows seen at the same instant. */
  snapshot<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Counts per action grouped by `key`; `nonAllow` keeps block, warn and report only. */
  group(f: ReportFilter, key: GroupKey, nonAllow: boolean): Grouped {
    const out: Grouped = new Map();
    const since = f.since ?? 0;
    const until = f.until ?? END_OF_TIME;
    const who = WHO_KEYS.includes(key);
    if (needsRaw(f, key, nonAllow)) {
      this.rawGroup(out, f, key, nonAllow, since, until);
      return out;
    }
    for (const seg of segments(since, until, key === 'hour' ? HOUR : DAY)) {
      if (seg.kind === 'raw') this.rawGroup(out, f, key, nonAllow, seg.from, seg.to);
      else if (who) this.whoGroup(out, f, key, seg);
      else this.coreGroup(out, f, key, nonAllow, seg);
    }
    return out;
  }

  /**
   * Several groupings at once. The groupings that rollups cannot answer (a host, user or client
   * filter; a provider filter on the host, client and offender breakdowns) share one read of the
   * matching rows instead of one scan each.
   */
  groupMany(f: ReportFilter, specs: readonly (readonly [GroupKey, boolean])[]): Grouped[] {
    const outs: Grouped[] = specs.map(() => new Map());
    const raw: number[] = [];
    specs.forEach(([key, nonAllow], i) => {
      if (needsRaw(f, key, nonAllow)) raw.push(i);
      else outs[i] = this.group(f, key, nonAllow);
    });
    if (raw.length === 0) return outs;
    const allowToo = raw.some((i) => specs[i]?.[1] === false);
    const w = rawWhere(f, !allowToo, f.since ?? 0, f.until ?? END_OF_TIME);
    const sql = `SELECT ts, action, reason, provider, surface, host, client_ip, "user" FROM decisions WHERE ${w.sql}`;
    for (const row of this.stmt(sql)
      .raw(true)
      .iterate(...w.params) as Iterable<RawRow>) {
      const action = row[1];
      for (const i of raw) {
        const [key, nonAllow] = specs[i] as readonly [GroupKey, boolean];
        if (nonAllow && action === 'allow') continue;
        addCounts(outs[i] as Grouped, keyOf(key, row), action, 1);
      }
    }
    return outs;
  }

  /** Newest first (ts, then insertion order). `total` counts every match. */
  list(f: ReportFilter, limit: number, offset: number): { rows: DecisionRow[]; total: number } {
    if (rawOnly(f)) {
      const w = rawWhere(f, false, f.since ?? 0, f.until ?? END_OF_TIME);
      const total = this.stmt(`SELECT count(*) FROM decisions WHERE ${w.sql}`)
        .pluck()
        .get(...w.params) as number;
      const rows = this.stmt(
        `SELECT ${SELECT_COLUMNS} FROM decisions WHERE ${w.sql} ORDER BY ts DESC, rowid DESC LIMIT ? OFFSET ?`,
      ).all(...w.params, limit, offset) as DecisionRow[];
      return { rows, total };
    }
    const hours = this.hourCounts(f);
    const total = hours.reduce((s, [, n]) => s + n, 0);
    const rows: DecisionRow[] = [];
    let skip = offset;
    for (const [hour, n] of hours) {
      if (rows.length >= limit) break;
      if (skip >= n) {
        skip -= n;
        continue;
      }
      const w = rawWhere(
        f,
        false,
        Math.max(f.since ?? 0, hour),
        Math.min(f.until ?? END_OF_TIME, hour + HOUR),
      );
      const page = this.stmt(
        `SELECT ${SELECT_COLUMNS} FROM decisions WHERE ${w.sql} ORDER BY ts DESC, rowid DESC LIMIT ? OFFSET ?`,
      ).all(...w.params, limit - rows.length, skip) as DecisionRow[];
      rows.push(...page);
      skip = 0;
    }
    return { rows, total };
  }

  /** Matching decisions per hour, newest hour first (the rollups of whole hours, raw edges). */
  private hourCounts(f: ReportFilter): [hour: number, n: number][] {
    const counts = new Map<number, number>();
    const add = (sql: string, params: readonly (string | number)[]): void => {
      for (const [h, n] of this.stmt(sql)
        .raw(true)
        .iterate(...params) as Iterable<[number, number]>) {
        counts.set(h, (counts.get(h) ?? 0) + n);
      }
    };
    for (const seg of segments(f.since ?? 0, f.until ?? END_OF_TIME, HOUR)) {
      if (seg.kind === 'raw') {
        const w = rawWhere(f, false, seg.from, seg.to);
        add(`SELECT ${RAW_EXPR.hour} AS h, count(*) FROM decisions WHERE ${w.sql} GROUP BY h`, w.params);
      } else {
        const w = rollupWhere(f, seg, ['action', 'reason', 'provider', 'host']);
        add(`SELECT bucket, sum(n) FROM rollup_core WHERE ${w.sql} GROUP BY bucket`, w.params);
      }
    }
    return [...counts].filter(([, n]) => n > 0).sort((a, b) => b[0] - a[0]);
  }

  byId(id: string): DecisionRow | null {
    return (
      (this.stmt(`SELECT ${SELECT_COLUMNS} FROM decisions WHERE id = ?`).get(id) as
        DecisionRow | undefined) ?? null
    );
  }

  close(): void {
    this.db.close();
  }

  private rawGroup(
    out: Grouped,
    f: ReportFilter,
    key: GroupKey,
    nonAllow: boolean,
    from: number,
    to: number,
  ): void {
    const w = rawWhere(f, nonAllow, from, to);
    const sql = `SELECT ${RAW_EXPR[key]} AS k, action, count(*) AS n FROM decisions WHERE ${w.sql} GROUP BY k, action`;
    this.collect(out, sql, w.params);
  }

  private coreGroup(out: Grouped, f: ReportFilter, key: GroupKey, nonAllow: boolean, seg: Rollup): void {
    const w = rollupWhere(f, seg, ['action', 'reason', 'provider', 'host']);
    const extra = nonAllow ? ` AND action != 'allow'` : '';
    const sql = `SELECT ${CORE_EXPR[key] ?? 'NULL'} AS k, action, sum(n) AS n FROM rollup_core WHERE ${w.sql}${extra} GROUP BY k, action`;
    this.collect(out, sql, w.params);
  }

  private whoGroup(out: Grouped, f: ReportFilter, key: GroupKey, seg: Rollup): void {
    const w = rollupWhere(f, seg, ['action', 'reason']);
    const sql = `SELECT value AS k, action, sum(n) AS n FROM rollup_who WHERE dim = ? AND ${w.sql} GROUP BY k, action`;
    this.collect(out, sql, [key, ...w.params]);
  }

  private collect(out: Grouped, sql: string, params: readonly (string | number)[]): void {
    for (const r of this.stmt(sql).iterate(...params) as Iterable<{
      k: string | number | null;
      action: string;
      n: number;
    }>) {
      addCounts(out, r.k === null ? '' : String(r.k), r.action, r.n);
    }
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }
}

type Rollup = Extract<Segment, { kind: 'rollup' }>;
type RawRow = [
  ts: number,
  action: string,
  reason: string,
  provider: string | null,
  surface: string | null,
  host: string,
  clientIp: string,
  user: string | null,
];

/**
 * Filters the rollups do not carry: answered from raw rows through the column's (partial) index,
 * which holds only the decisions that were not allowed.
 */
export function rawOnly(f: ReportFilter): boolean {
  return f.user !== undefined || f.clientIp !== undefined;
}

/** True when the rollups cannot answer this grouping under this filter. */
function needsRaw(f: ReportFilter, key: GroupKey, nonAllow: boolean): boolean {
  return (
    rawOnly(f) || (WHO_KEYS.includes(key) && (f.provider !== undefined || f.host !== undefined || !nonAllow))
  );
}

/** The same keys as RAW_EXPR, computed in JS from one row. */
function keyOf(key: GroupKey, r: RawRow): string {
  switch (key) {
    case 'action':
      return r[1];
    case 'reason':
      return r[2];
    case 'provider':
      return r[3] ?? '';
    case 'surface':
      return r[4] ?? '';
    case 'host':
      return r[5];
    case 'client_ip':
      return r[6];
    case 'offender':
      return r[7] !== null ? `user:${r[7]}` : `ip:${r[6]}`;
    case 'hour':
      return String(Math.floor(r[0] / HOUR) * HOUR);
    case 'day':
      return String(Math.floor(r[0] / DAY) * DAY);
    default: {
      const never: never = key;
      return never;
    }
  }
}

function rawWhere(f: ReportFilter, nonAllow: boolean, from: number, to: number): Where {
  const parts = ['ts >= ?', 'ts < ?'];
  const params: (string | number)[] = [from, to];
  const eq = (sql: string, v: string | undefined): void => {
    if (v === undefined) return;
    parts.push(sql);
    params.push(v);
  };
  eq('action = ?', f.action);
  eq('reason = ?', f.reason);
  eq("coalesce(provider, '') = ?", f.provider);
  eq('host = ?', f.host);
  eq('"user" = ?', f.user);
  eq('client_ip = ?', f.clientIp);
  // Also for user and client filters: their indexes hold non-allow rows only (migrations.ts), and this
  // exact term lets SQLite use those partial indexes.
  if (nonAllow || rawOnly(f)) parts.push("action != 'allow'");
  return { sql: parts.join(' AND '), params };
}

function rollupWhere(
  f: ReportFilter,
  seg: Rollup,
  allowed: readonly ('action' | 'reason' | 'provider' | 'host')[],
): Where {
  const parts = ['grain = ?', 'bucket >= ?', 'bucket < ?'];
  const params: (string | number)[] = [seg.grain satisfies Grain, seg.from, seg.to];
  for (const col of allowed) {
    const v = f[col];
    if (v === undefined) continue;
    parts.push(`${col} = ?`);
    params.push(v);
  }
  return { sql: parts.join(' AND '), params };
}
