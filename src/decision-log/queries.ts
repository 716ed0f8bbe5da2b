// The read side of the decision log: one or more data directories (several proxies, or an archive)
// queried read-only and merged in JS. Breakdowns count the decisions that were not allowed (block,
// warn, report: the would-be blocks of report mode), split by action.

import { ACTIONS } from '../domain/decision.js';
import { DAY, HOUR, floorTo } from './buckets.js';
import type { DecisionRow } from './row.js';
import {
  LogSource,
  addCounts,
  rawOnly,
  zeroCounts,
  type ActionCounts,
  type GroupKey,
  type Grouped,
  type ReportFilter,
} from './source.js';

export type { ActionCounts, ReportFilter };
export { ReportSourceError } from './source.js';

export interface Breakdown {
  /** null: the decision had no value for this field (no provider, no surface). */
  readonly value: string | null;
  /** Non-allow decisions (block + warn + report). */
  readonly count: number;
  readonly byAction: ActionCounts;
}

export interface Offender {
  /** A known user, or the client address of decisions without one. */
  readonly kind: 'user' | 'client_ip';
  readonly value: string;
  readonly count: number;
  readonly byAction: ActionCounts;
}

export interface TimelinePoint {
  /** Bucket start, ms since epoch (UTC hours or days). */
  readonly t: number;
  readonly total: number;
  readonly byAction: ActionCounts;
}

export interface ReportSummary {
  readonly since: number | null;
  readonly until: number | null;
  /**
   * 'all': every decision in range. 'not_allowed': a user or client filter is set, and those views
   * cover the decisions that were not allowed only (totals.allow is 0 by construction).
   */
  readonly scope: 'all' | 'not_allowed';
  /** Every decision in range, allowed ones included. */
  readonly total: number;
  readonly totals: ActionCounts;
  readonly byReason: readonly Breakdown[];
  readonly byProvider: readonly Breakdown[];
  readonly bySurface: readonly Breakdown[];
  /** The `top` largest only, like byUser, byClientIp and topOffenders. */
  readonly byHost: readonly Breakdown[];
  readonly byUser: readonly Breakdown[];
  readonly byClientIp: readonly Breakdown[];
  readonly byDay: readonly TimelinePoint[];
  readonly topOffenders: readonly Offender[];
}

export interface DecisionPage {
  readonly rows: DecisionRow[];
  readonly total: number;
}

export interface ReportReader {
  summary(f: ReportFilter, opts?: { top?: number }): ReportSummary;
  decisions(f: ReportFilter & { limit: number; offset?: number }): DecisionPage;
  byId(id: string): DecisionRow | null;
  timeline(f: ReportFilter, bucket: 'hour' | 'day'): TimelinePoint[];
  close(): void;
}

/** Merging several logs pages through at most this many rows (offset + limit). */
export const MAX_MERGE_WINDOW = 100_000;
const MAX_FILLED_POINTS = 5_000;

/** Throws ReportSourceError (code, message naming the file) when a directory holds no readable log. */
export function openReportReader(dataDirs: readonly string[]): ReportReader {
  const sources: LogSource[] = [];
  try {
    for (const dir of dataDirs.length === 0 ? ['./data'] : dataDirs) sources.push(new LogSource(dir));
  } catch (err) {
    for (const s of sources) s.close();
    throw err;
  }
  return new MergedReader(sources);
}

class MergedReader implements ReportReader {
  constructor(private readonly sources: readonly LogSource[]) {}

  summary(f: ReportFilter, opts: { top?: number } = {}): ReportSummary {
    const top = opts.top ?? 10;
    const keys: readonly (readonly [GroupKey, boolean])[] = [
      ['action', false],
      ['reason', true],
      ['provider', true],
      ['surface', true],
      ['host', true],
      ['client_ip', true],
      ['offender', true],
      ['day', false],
    ];
    // One read snapshot per log, so totals and breakdowns describe the same instant.
    const perSource = this.sources.map((s) => s.snapshot(() => s.groupMany(f, keys)));
    const g = (i: number): Grouped => mergeGrouped(perSource.map((groups) => groups[i] ?? new Map()));
    const totals = zeroCounts();
    for (const [action, c] of g(0)) if (action in totals) totals[action as keyof ActionCounts] = sum(c);
    const offenders = breakdown(g(6), Infinity);
    return {
      since: f.since ?? null,
      until: f.until ?? null,
      scope: rawOnly(f) ? 'not_allowed' : 'all',
      total: sum(totals),
      totals,
      byReason: breakdown(g(1), Infinity),
      byProvider: breakdown(g(2), Infinity),
      bySurface: breakdown(g(3), Infinity),
      byHost: breakdown(g(4), top),
      byUser: offenders
        .filter((o) => o.value?.startsWith('user:') === true)
        .slice(0, top)
        .map((o) => ({ ...o, value: (o.value ?? '').slice('user:'.length) })),
      byClientIp: breakdown(g(5), top),
      byDay: timelinePoints(g(7), f, DAY),
      topOffenders: offenders.slice(0, top).map((o) => {
        const v = o.value ?? '';
        const user = v.startsWith('user:');
        return {
          kind: user ? 'user' : 'client_ip',
          value: v.slice(user ? 5 : 3),
          count: o.count,
          byAction: o.byAction,
        };
      }),
    };
  }

  decisions(f: ReportFilter & { limit: number; offset?: number }): DecisionPage {
    const limit = Math.max(0, Math.trunc(f.limit));
    const offset = Math.max(0, Math.trunc(f.offset ?? 0));
    const [only] = this.sources;
    if (this.sources.length === 1 && only !== undefined)
      return only.snapshot(() => only.list(f, limit, offset));
    const window = Math.min(offset + limit, MAX_MERGE_WINDOW);
    const pages = this.sources.map((s) => s.snapshot(() => s.list(f, window, 0)));
    const rows = pages
      .flatMap((p) => p.rows)
      .sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(offset, offset + limit);
    return { rows, total: pages.reduce((s, p) => s + p.total, 0) };
  }

  byId(id: string): DecisionRow | null {
    for (const s of this.sources) {
      const row = s.byId(id);
      if (row !== null) return row;
    }
    return null;
  }

  timeline(f: ReportFilter, bucket: 'hour' | 'day'): TimelinePoint[] {
    const grouped = mergeGrouped(this.sources.map((s) => s.snapshot(() => s.group(f, bucket, false))));
    return timelinePoints(grouped, f, bucket === 'hour' ? HOUR : DAY);
  }

  close(): void {
    for (const s of this.sources) s.close();
  }
}

function mergeGrouped(parts: readonly Grouped[]): Grouped {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out: Grouped = new Map();
  for (const part of parts) {
    for (const [k, c] of part) for (const a of ACTIONS) if (c[a] > 0) addCounts(out, k, a, c[a]);
  }
  return out;
}

/** Sorted buckets; empty ones filled in when the range is bounded below (so charts show gaps). */
function timelinePoints(grouped: Grouped, f: ReportFilter, step: number): TimelinePoint[] {
  const points = new Map<number, ActionCounts>();
  for (const [k, c] of grouped) points.set(Number(k), c);
  if (f.since !== undefined) {
    const end = f.until ?? Date.now();
    const first = floorTo(f.since, step);
    if ((end - first) / step <= MAX_FILLED_POINTS) {
      for (let t = first; t < end; t += step) if (!points.has(t)) points.set(t, zeroCounts());
    }
  }
  return [...points]
    .sort((a, b) => a[0] - b[0])
    .map(([t, byAction]) => ({ t, total: sum(byAction), byAction }));
}

function sum(c: ActionCounts): number {
  return c.allow + c.block + c.report + c.warn;
}

/** Largest first; ties by value so output is stable. Counts non-allow decisions only. */
function breakdown(g: Grouped, top: number): Breakdown[] {
  return [...g]
    .map(([value, byAction]) => ({
      value: value === '' ? null : value,
      count: byAction.block + byAction.warn + byAction.report,
      byAction,
    }))
    .filter((b) => b.count > 0)
    .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)))
    .slice(0, top);
}
