import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, floorTo } from '../../../src/decision-log/buckets.js';
import { openReportReader, type ReportFilter, type ReportReader } from '../../../src/decision-log/queries.js';
import { toRow, type RowTuple } from '../../../src/decision-log/row.js';
import { DecisionStore } from '../../../src/decision-log/store.js';
import { ACTIONS, type Action } from '../../../src/domain/decision.js';
import type { ReasonCode } from '../../../src/domain/reason.js';
import type { DecisionRecord } from '../../../src/domain/record.js';
import { record } from './records.js';

const BASE = Date.UTC(2025, 2, 10, 7, 13);
const SPAN = 5 * DAY;
const REASONS: ReasonCode[] = ['consumer_surface', 'unapproved_credential', 'retaining_feature'];
const PROVIDERS = ['openai', 'anthropic', null];
const SURFACES = ['api', 'consumer', null];
const HOSTS = ['chatgpt.com', 'api.openai.com', 'claude.ai', 'api.anthropic.com'];
const USERS = ['alice', 'bob', null];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];

/** Small deterministic PRNG so the seeded log is the same on every run. */
function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function seedRecords(n: number, seed: number): DecisionRecord[] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const action = pick(r, ACTIONS);
    // Some shared timestamps, to exercise the tie order.
    const ts = BASE + (i % 7 === 0 ? HOUR : Math.floor(r() * SPAN));
    return record({
      id: `s${seed}-${i}`,
      ts,
      action,
      reason: action === 'allow' ? 'allowed' : pick(r, REASONS),
      provider: pick(r, PROVIDERS),
      surface: pick(r, SURFACES),
      host: pick(r, HOSTS),
      user: pick(r, USERS),
      clientIp: pick(r, IPS),
    });
  });
}

function writeLog(dir: string, records: readonly DecisionRecord[]): void {
  const store = DecisionStore.open(dir);
  try {
    // Uneven batches: rollups must add up across transactions.
    for (let i = 0; i < records.length; i += 137)
      store.insert(records.slice(i, i + 137).map((x) => toRow(x) as RowTuple));
  } finally {
    store.close();
  }
}

function matches(r: DecisionRecord, f: ReportFilter): boolean {
  return (
    r.ts >= (f.since ?? 0) &&
    r.ts < (f.until ?? Number.MAX_SAFE_INTEGER) &&
    (f.action === undefined || r.action === f.action) &&
    (f.reason === undefined || r.reason === f.reason) &&
    (f.provider === undefined || (r.provider ?? '') === f.provider) &&
    (f.host === undefined || r.host === f.host) &&
    (f.user === undefined || r.user === f.user) &&
    (f.clientIp === undefined || r.clientIp === f.clientIp) &&
    // Per-person views cover the decisions that were not allowed.
    (f.user === undefined && f.clientIp === undefined ? true : r.action !== 'allow')
  );
}

type Counts = Record<Action, number>;
function tally(
  records: readonly DecisionRecord[],
  key: (r: DecisionRecord) => string | null,
  nonAllow: boolean,
): Map<string | null, Counts> {
  const out = new Map<string | null, Counts>();
  for (const r of records) {
    if (nonAllow && r.action === 'allow') continue;
    const k = key(r);
    const c = out.get(k) ?? { allow: 0, block: 0, report: 0, warn: 0 };
    c[r.action]++;
    out.set(k, c);
  }
  return out;
}

function asMap(entries: readonly { value: string | null; byAction: Counts }[]): Map<string | null, Counts> {
  return new Map(entries.map((e) => [e.value, e.byAction]));
}

const CATEGORICAL = {
  action: fc.constantFrom(...ACTIONS),
  reason: fc.constantFrom(...REASONS),
  provider: fc.constantFrom('openai', 'anthropic', ''),
  host: fc.constantFrom(...HOSTS),
  user: fc.constantFrom('alice', 'bob'),
  clientIp: fc.constantFrom(...IPS),
};

/** A time range (often) and at most two other filters, so most cases match a few hundred rows. */
const filterArb: fc.Arbitrary<ReportFilter> = fc
  .tuple(
    fc.option(fc.integer({ min: BASE - DAY, max: BASE + SPAN }), { freq: 3 }),
    fc.option(fc.integer({ min: BASE - DAY, max: BASE + SPAN + DAY }), { freq: 3 }),
    fc.record(CATEGORICAL),
    fc.subarray(Object.keys(CATEGORICAL) as (keyof typeof CATEGORICAL)[], { maxLength: 2 }),
  )
  .map(([since, until, values, keys]) => {
    const f: Record<string, string | number> = {};
    if (since !== null) f['since'] = since;
    if (until !== null) f['until'] = until;
    for (const k of keys) f[k] = values[k];
    return f as ReportFilter;
  });

describe('ReportReader over one log', () => {
  let dir: string;
  let records: DecisionRecord[];
  let reader: ReportReader;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-dlog-q-'));
    records = seedRecords(3_000, 7);
    writeLog(dir, records);
    reader = openReportReader([dir]);
  });
  afterAll(() => {
    reader.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('agrees with a brute-force count for any filter and time range (rollups + raw edges)', () => {
    let nonTrivial = 0;
    fc.assert(
      fc.property(filterArb, (f) => {
        const hit = records.filter((r) => matches(r, f));
        if (hit.length > 20) nonTrivial++;
        const s = reader.summary(f, { top: 1_000 });
        const totals = tally(hit, (r) => r.action, false);
        for (const a of ACTIONS) expect(s.totals[a]).toBe(totals.get(a)?.[a] ?? 0);
        expect(s.total).toBe(hit.length);
        expect(asMap(s.byReason)).toEqual(tally(hit, (r) => r.reason, true));
        expect(asMap(s.byProvider)).toEqual(tally(hit, (r) => r.provider, true));
        expect(asMap(s.bySurface)).toEqual(tally(hit, (r) => r.surface, true));
        expect(asMap(s.byHost)).toEqual(tally(hit, (r) => r.host, true));
        expect(asMap(s.byClientIp)).toEqual(tally(hit, (r) => r.clientIp, true));
        const users = tally(hit, (r) => r.user, true);
        users.delete(null);
        expect(asMap(s.byUser)).toEqual(users);
        const offenders = tally(
          hit,
          (r) => (r.user !== null ? `user:${r.user}` : `client_ip:${r.clientIp}`),
          true,
        );
        expect(new Map(s.topOffenders.map((o) => [`${o.kind}:${o.value}`, o.byAction]))).toEqual(offenders);
        const days = tally(hit, (r) => String(floorTo(r.ts, DAY)), false);
        expect(new Map(s.byDay.filter((p) => p.total > 0).map((p) => [String(p.t), p.byAction]))).toEqual(
          days,
        );
      }),
      { numRuns: 150 },
    );
    expect(nonTrivial).toBeGreaterThan(50);
  });

  it('pages newest first through exactly the matching decisions, for any filter', () => {
    const order = records.map((r, i) => ({ r, i })).sort((a, b) => b.r.ts - a.r.ts || b.i - a.i);
    fc.assert(
      fc.property(
        filterArb,
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 400 }),
        (f, limit, offset) => {
          const expected = order.filter(({ r }) => matches(r, f)).map(({ r }) => r.id);
          const page = reader.decisions({ ...f, limit, offset });
          expect(page.total).toBe(expected.length);
          expect(page.rows.map((r) => r.id)).toEqual(expected.slice(offset, offset + limit));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('builds hourly timelines with empty hours filled in', () => {
    const since = BASE;
    const until = BASE + 6 * HOUR;
    const points = reader.timeline({ since, until }, 'hour');
    expect(points.map((p) => p.t)).toEqual(
      Array.from({ length: 7 }, (_, i) => floorTo(BASE, HOUR) + i * HOUR),
    );
    const expected = records.filter((r) => r.ts >= since && r.ts < until).length;
    expect(points.reduce((s, p) => s + p.total, 0)).toBe(expected);
  });

  it('finds one decision by id, with every column', () => {
    const r = records[42] as DecisionRecord;
    expect(reader.byId(r.id)).toEqual({
      id: r.id,
      ts: r.ts,
      client_ip: r.clientIp,
      user: r.user,
      host: r.host,
      port: r.port,
      method: r.method,
      path: r.path,
      provider: r.provider,
      surface: r.surface,
      credential_kind: r.credentialKind,
      credential_fp: r.credentialFp,
      action: r.action,
      reason: r.reason,
      rule_id: r.ruleId,
      status: r.status,
      bytes_up: r.bytesUp,
      bytes_down: r.bytesDown,
      duration_ms: r.durationMs,
      policy_version: r.policyVersion,
    });
    expect(reader.byId('no-such-id')).toBeNull();
  });
});

describe('DecisionStore.rebuildRollups', () => {
  it('recomputes the same rollups from the rows', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-dlog-r-'));
    try {
      writeLog(dir, seedRecords(500, 3));
      const before = openReportReader([dir]);
      const expected = before.summary({ since: BASE + HOUR / 3 }, { top: 100 });
      before.close();
      const store = DecisionStore.open(dir);
      store.rebuildRollups();
      store.close();
      const after = openReportReader([dir]);
      expect(after.summary({ since: BASE + HOUR / 3 }, { top: 100 })).toEqual(expected);
      after.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ReportReader over several logs', () => {
  it('merges counts and pages across data directories', () => {
    const a = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-dlog-a-'));
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-dlog-b-'));
    try {
      const ra = seedRecords(400, 1);
      const rb = seedRecords(300, 2);
      writeLog(a, ra);
      writeLog(b, rb);
      const reader = openReportReader([a, b]);
      try {
        const all = [...ra, ...rb];
        expect(reader.summary({}).total).toBe(700);
        expect(reader.summary({ action: 'block' }).totals.block).toBe(
          all.filter((r) => r.action === 'block').length,
        );
        const page = reader.decisions({ limit: 25, offset: 50 });
        const expected = [...all].sort((x, y) => y.ts - x.ts || (x.id < y.id ? 1 : -1)).slice(50, 75);
        expect(page.total).toBe(700);
        expect(page.rows.map((r) => r.ts)).toEqual(expected.map((r) => r.ts));
        expect(reader.byId((rb[5] as DecisionRecord).id)?.host).toBe((rb[5] as DecisionRecord).host);
      } finally {
        reader.close();
      }
    } finally {
      fs.rmSync(a, { recursive: true, force: true });
      fs.rmSync(b, { recursive: true, force: true });
    }
  });

  it('says which directory holds no decision log', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-dlog-e-'));
    try {
      expect(() => openReportReader([empty])).toThrow(/no decision log at .*decisions\.db/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
