import { describe, expect, it } from 'vitest';
import { newDecisionId } from '../../../src/proxy/ids.js';

describe('decision ids', () => {
  it('are RFC 9562 version 7 UUIDs carrying the millisecond time', () => {
    const now = Date.UTC(2026, 10, 26, 12, 0, 0, 123);
    const id = newDecisionId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('sort by time and do not repeat', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newDecisionId(1_700_000_000_000 + Math.floor(i / 10)));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 10; i < ids.length; i += 10) expect(ids[i]! > ids[i - 10]!).toBe(true);
  });
});
