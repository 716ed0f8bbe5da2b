// Warn ("coach") mode: a browser that meets a `warn` rule sees a page explaining the risk with a
// Continue button. Continuing allows that user (or client address) on that host for a while and is
// recorded as its own decision. Only metadata is kept: who, which host, until when.

export const CONTINUE_PATH = '/.zdr-egress/continue';

export interface CoachAllowances {
  /** Remember that `who` chose to continue on `host`. */
  grant(who: string, host: string): void;
  /** True while that choice lasts. */
  granted(who: string, host: string): boolean;
}

export function createCoachAllowances(
  ttlMs: number,
  max = 100_000,
  now: () => number = Date.now,
): CoachAllowances {
  const until = new Map<string, number>();
  return {
    grant(who, host) {
      if (until.size >= max) {
        // Bounded: forget expired entries first, then the oldest.
        const t = now();
        for (const [k, v] of until) if (v <= t) until.delete(k);
        if (until.size >= max) until.delete(until.keys().next().value as string);
      }
      until.set(`${who} ${host}`, now() + ttlMs);
    },
    granted(who, host) {
      const key = `${who} ${host}`;
      const t = until.get(key);
      if (t === undefined) return false;
      if (t > now()) return true;
      until.delete(key);
      return false;
    },
  };
}
