import { describe, expect, it } from 'vitest';
import { LeafCache } from '../../../src/ca/cache.js';
import type { Leaf } from '../../../src/ca/leaf.js';

const DAY = 86_400_000;

/** A fake minter: leaves valid for seven days from the injected clock, counted per host. */
function harness(max: number, renewBeforeMs?: number) {
  let now = 0;
  const minted: string[] = [];
  const cache = new LeafCache<{ host: string; serial: number }>({
    max,
    now: () => now,
    ...(renewBeforeMs === undefined ? {} : { renewBeforeMs }),
    mint: (host): Leaf => {
      minted.push(host);
      return { certPem: `cert ${minted.length}`, keyPem: 'key', chainPem: [], notAfter: now + 7 * DAY };
    },
    build: (leaf, host) => ({ host, serial: Number(leaf.certPem.split(' ')[1]) }),
  });
  return { cache, minted, advance: (ms: number) => (now += ms) };
}

describe('LeafCache', () => {
  it('mints once per host and then serves hits', () => {
    const { cache, minted } = harness(10);
    const first = cache.get('api.openai.com');
    expect(cache.get('api.openai.com')).toBe(first);
    cache.get('api.anthropic.com');
    expect(minted).toEqual(['api.openai.com', 'api.anthropic.com']);
    expect([cache.hits, cache.misses, cache.size]).toEqual([1, 2, 2]);
  });

  it('stays within max by evicting the least recently used host', () => {
    const { cache, minted } = harness(2);
    cache.get('a.example');
    cache.get('b.example');
    cache.get('a.example'); // a is now the most recent
    cache.get('c.example'); // evicts b
    expect(cache.size).toBe(2);
    cache.get('a.example');
    cache.get('b.example');
    expect(minted).toEqual(['a.example', 'b.example', 'c.example', 'b.example']);
  });

  it('re-mints a leaf within renewBeforeMs of its expiry (default one day)', () => {
    const { cache, minted, advance } = harness(10);
    const first = cache.get('api.openai.com');
    advance(6 * DAY - 1);
    expect(cache.get('api.openai.com')).toBe(first);
    advance(1);
    const second = cache.get('api.openai.com');
    expect(second).not.toBe(first);
    expect(minted).toHaveLength(2);
    expect(cache.size).toBe(1);
  });

  it('honours a custom renewal margin', () => {
    const { cache, minted, advance } = harness(10, 60_000);
    cache.get('h.example');
    advance(7 * DAY - 60_001);
    cache.get('h.example');
    advance(1);
    cache.get('h.example');
    expect(minted).toHaveLength(2);
  });

  it('caches nothing when minting fails, and tries again next time', () => {
    let fail = true;
    const cache = new LeafCache<string>({
      max: 4,
      mint: (host) => {
        if (fail) throw new Error('CA expired');
        return { certPem: host, keyPem: '', chainPem: [], notAfter: Date.now() + DAY * 7 };
      },
      build: (leaf) => leaf.certPem,
    });
    expect(() => cache.get('x.example')).toThrow('CA expired');
    expect(cache.size).toBe(0);
    fail = false;
    expect(cache.get('x.example')).toBe('x.example');
  });

  it('forgets everything on clear (after the CA was replaced)', () => {
    const { cache, minted } = harness(10);
    cache.get('a.example');
    cache.clear();
    cache.get('a.example');
    expect(minted).toEqual(['a.example', 'a.example']);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects max = %s', (max) => {
    expect(() => new LeafCache({ max, mint: () => ({}) as Leaf, build: () => 1 })).toThrow(RangeError);
  });
});
