// Bounded LRU of whatever the proxy builds from a leaf (a SecureContext), keyed by normalised host.
// Entries are re-minted when their certificate comes within `renewBeforeMs` of expiry, so a client
// never receives a leaf that is about to lapse. Keys are host names only: nothing from a request.

import type { Leaf } from './leaf.js';

export interface LeafCacheOptions<T> {
  readonly max: number;
  readonly build: (leaf: Leaf, host: string) => T;
  readonly mint: (host: string) => Leaf;
  /** Default one day (leaves live seven). */
  readonly renewBeforeMs?: number;
  readonly now?: () => number;
}

interface Entry<T> {
  readonly value: T;
  readonly renewAt: number;
}

export class LeafCache<T> {
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recent first.
  readonly #entries = new Map<string, Entry<T>>();
  readonly #opts: LeafCacheOptions<T>;
  readonly #renewBeforeMs: number;
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;

  constructor(opts: LeafCacheOptions<T>) {
    if (!Number.isInteger(opts.max) || opts.max < 1)
      throw new RangeError('LeafCache max must be a positive integer');
    this.#opts = opts;
    this.#renewBeforeMs = opts.renewBeforeMs ?? 86_400_000;
    this.#now = opts.now ?? Date.now;
  }

  get(host: string): T {
    const entry = this.#entries.get(host);
    if (entry !== undefined) this.#entries.delete(host);
    if (entry !== undefined && this.#now() < entry.renewAt) {
      this.#hits++;
      this.#entries.set(host, entry);
      return entry.value;
    }
    this.#misses++;
    const leaf = this.#opts.mint(host);
    const fresh: Entry<T> = {
      value: this.#opts.build(leaf, host),
      renewAt: leaf.notAfter - this.#renewBeforeMs,
    };
    this.#entries.set(host, fresh);
    if (this.#entries.size > this.#opts.max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return fresh.value;
  }

  /** Drop everything, e.g. after the CA was replaced. */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
  get hits(): number {
    return this.#hits;
  }
  get misses(): number {
    return this.#misses;
  }
}
