import { describe, expect, it } from 'vitest';
import { parseTimeSpec } from '../../../src/decision-log/time-spec.js';

const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);

describe('parseTimeSpec', () => {
  it.each([
    ['now', NOW],
    ['30m', NOW - 30 * 60_000],
    ['24h', NOW - 24 * 3_600_000],
    ['7d', NOW - 7 * 86_400_000],
    ['2w', NOW - 14 * 86_400_000],
    ['2025-06-01', Date.UTC(2025, 5, 1)],
    ['2025-06-01T08:30', Date.UTC(2025, 5, 1, 8, 30)],
    ['2025-06-01T08:30:00Z', Date.UTC(2025, 5, 1, 8, 30)],
    ['2025-06-01T08:30:00+02:00', Date.UTC(2025, 5, 1, 6, 30)],
    ['1749988800000', 1749988800000],
  ])('reads %s', (spec, expected) => {
    expect(parseTimeSpec(spec, NOW)).toBe(expected);
  });

  it.each(['yesterday', '24', '5y', '2025-13-45', '', '-1d'])(
    'rejects %j with a message naming the accepted forms',
    (spec) => {
      expect(() => parseTimeSpec(spec, NOW)).toThrow(
        /use a duration \(30m, 24h, 7d, 2w\), an ISO date or 'now'/,
      );
    },
  );
});
