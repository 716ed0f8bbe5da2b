// Time buckets of the rollup tables (UTC hours and days) and the split of a time range into the parts
// that rollups answer exactly (whole hours, whole days) and the ragged edges that raw rows answer.

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export type Grain = typeof HOUR | typeof DAY;

export const floorTo = (t: number, g: number): number => Math.floor(t / g) * g;
export const ceilTo = (t: number, g: number): number => Math.ceil(t / g) * g;

/** `raw`: rows with from <= ts < to. `rollup`: buckets of that grain with from <= bucket < to. */
export type Segment =
  | { readonly kind: 'raw'; readonly from: number; readonly to: number }
  | { readonly kind: 'rollup'; readonly grain: Grain; readonly from: number; readonly to: number };

/**
 * [since, until) as raw edges (less than an hour each), whole hours, and whole days (only when
 * maxGrain is DAY). A range that holds no whole hour is one raw part (under two hours). The parts
 * are disjoint and cover the range exactly.
 */
export function segments(since: number, until: number, maxGrain: Grain = DAY): Segment[] {
  if (until <= since) return [];
  const h0 = ceilTo(since, HOUR);
  const h1 = floorTo(until, HOUR);
  if (h0 >= h1) return [{ kind: 'raw', from: since, to: until }];
  const out: Segment[] = [];
  if (since < h0) out.push({ kind: 'raw', from: since, to: h0 });
  const d0 = ceilTo(h0, DAY);
  const d1 = floorTo(h1, DAY);
  if (maxGrain === DAY && d0 < d1) {
    if (h0 < d0) out.push({ kind: 'rollup', grain: HOUR, from: h0, to: d0 });
    out.push({ kind: 'rollup', grain: DAY, from: d0, to: d1 });
    if (d1 < h1) out.push({ kind: 'rollup', grain: HOUR, from: d1, to: h1 });
  } else {
    out.push({ kind: 'rollup', grain: HOUR, from: h0, to: h1 });
  }
  if (h1 < until) out.push({ kind: 'raw', from: h1, to: until });
  return out;
}
