import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, segments, type Segment } from '../../../src/decision-log/buckets.js';

/** The time interval a segment stands for (rollup buckets span whole grains). */
function span(s: Segment): [number, number] {
  return [s.from, s.to];
}

describe('segments', () => {
  it('splits a multi-day range into raw edges, whole hours and whole days', () => {
    const since = Date.UTC(2025, 0, 1, 22, 30);
    const until = Date.UTC(2025, 0, 4, 1, 15);
    expect(segments(since, until)).toEqual([
      { kind: 'raw', from: since, to: Date.UTC(2025, 0, 1, 23) },
      { kind: 'rollup', grain: HOUR, from: Date.UTC(2025, 0, 1, 23), to: Date.UTC(2025, 0, 2) },
      { kind: 'rollup', grain: DAY, from: Date.UTC(2025, 0, 2), to: Date.UTC(2025, 0, 4) },
      { kind: 'rollup', grain: HOUR, from: Date.UTC(2025, 0, 4), to: Date.UTC(2025, 0, 4, 1) },
      { kind: 'raw', from: Date.UTC(2025, 0, 4, 1), to: until },
    ]);
  });

  it('answers a range inside one hour from raw rows only', () => {
    expect(segments(1000, 2000)).toEqual([{ kind: 'raw', from: 1000, to: 2000 }]);
  });

  it('never uses day buckets when hours are the largest grain asked for', () => {
    const s = segments(0, 10 * DAY, HOUR);
    expect(s).toEqual([{ kind: 'rollup', grain: HOUR, from: 0, to: 10 * DAY }]);
  });

  it('returns nothing for an empty or inverted range', () => {
    expect(segments(5, 5)).toEqual([]);
    expect(segments(9, 5)).toEqual([]);
  });

  it('covers every range exactly, with disjoint aligned parts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * DAY }),
        fc.integer({ min: 0, max: 40 * DAY }),
        fc.constantFrom(HOUR, DAY),
        (since, length, maxGrain) => {
          const until = since + length;
          const parts = segments(since, until, maxGrain as typeof HOUR);
          let cursor = since;
          for (const p of parts) {
            const [from, to] = span(p);
            expect(from).toBe(cursor);
            expect(to).toBeGreaterThan(from);
            if (p.kind === 'rollup') {
              expect(from % p.grain).toBe(0);
              expect(to % p.grain).toBe(0);
            } else if (parts.length > 1) expect(to - from).toBeLessThan(HOUR);
            // A range that holds no whole hour is one raw part, shorter than two hours.
            else expect(to - from).toBeLessThan(2 * HOUR);
            cursor = to;
          }
          expect(cursor).toBe(length === 0 ? since : until);
        },
      ),
      { numRuns: 500 },
    );
  });
});
