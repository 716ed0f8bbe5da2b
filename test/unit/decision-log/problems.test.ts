import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProblemReporter, type Problem } from '../../../src/decision-log/problems.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ProblemReporter', () => {
  it('reports the first problem at once and sums the rest of the minute into one later report', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const seen: Problem[] = [];
    const r = new ProblemReporter((p) => seen.push(p));
    r.report('dropped', 'queue_full', 1);
    r.report('dropped', 'queue_full', 2);
    r.report('dropped', 'queue_full', 3);
    expect(seen).toEqual([{ kind: 'dropped', code: 'queue_full', count: 1 }]);
    vi.advanceTimersByTime(59_999);
    expect(seen).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([
      { kind: 'dropped', code: 'queue_full', count: 1 },
      { kind: 'dropped', code: 'queue_full', count: 5 },
    ]);
  });

  it('limits each kind separately', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const seen: Problem[] = [];
    const r = new ProblemReporter((p) => seen.push(p));
    r.report('dropped', 'queue_full', 1);
    r.report('write_failed', 'SQLITE_FULL', 500);
    r.report('write_failed', 'SQLITE_FULL', 500);
    expect(seen.map((p) => [p.kind, p.count])).toEqual([
      ['dropped', 1],
      ['write_failed', 500],
    ]);
  });

  it('names the latest code when several codes fall into one minute', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const seen: Problem[] = [];
    const r = new ProblemReporter((p) => seen.push(p));
    r.report('write_failed', 'SQLITE_BUSY', 1);
    r.report('write_failed', 'SQLITE_BUSY', 1);
    r.report('write_failed', 'SQLITE_FULL', 1);
    vi.advanceTimersByTime(60_000);
    expect(seen[1]).toEqual({ kind: 'write_failed', code: 'SQLITE_FULL', count: 2 });
  });

  it('survives a callback that throws', () => {
    const r = new ProblemReporter(() => {
      throw new Error('logger down');
    });
    expect(() => r.report('dropped', 'queue_full', 1)).not.toThrow();
  });
});
