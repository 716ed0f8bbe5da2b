// Retention: rows older than retentionDays go in small batches, yielding between statements so new
// decisions keep being written, then the freed pages are returned to the file system (auto_vacuum is
// INCREMENTAL), which keeps the file's size bounded.

import { DAY, floorTo } from './buckets.js';
import type { DecisionStore } from './store.js';

export const PRUNE_ROWS_PER_STATEMENT = 5_000;
const VACUUM_PAGES_PER_STEP = 2_000;

/**
 * The cutoff is a UTC day boundary so that day rollups and raw rows agree about what is kept:
 * everything before it goes, a few hours more than retentionDays at most.
 */
export function retentionCutoff(now: number, retentionDays: number): number {
  return floorTo(now - retentionDays * DAY, DAY);
}

export interface PruneResult {
  readonly rows: number;
  readonly rollupRows: number;
}

/** Runs to completion; `pause` lets the caller interleave other work (setImmediate in production). */
export async function prune(
  store: DecisionStore,
  cutoff: number,
  pause: () => Promise<void>,
): Promise<PruneResult> {
  let rows = 0;
  for (;;) {
    const n = store.pruneRows(cutoff, PRUNE_ROWS_PER_STATEMENT);
    rows += n;
    if (n < PRUNE_ROWS_PER_STATEMENT) break;
    await pause();
  }
  const rollupRows = store.pruneRollups(cutoff);
  while (store.vacuumStep(VACUUM_PAGES_PER_STEP) > VACUUM_PAGES_PER_STEP) await pause();
  return { rows, rollupRows };
}
