// Writes records straight through the store (one transaction per 500), for report and dashboard tests.

import { toRow, type RowTuple } from '../../../src/decision-log/row.js';
import { DecisionStore } from '../../../src/decision-log/store.js';
import type { DecisionRecord } from '../../../src/domain/record.js';

export function seedLog(dataDir: string, records: readonly DecisionRecord[]): void {
  const store = DecisionStore.open(dataDir);
  try {
    for (let i = 0; i < records.length; i += 500) {
      store.insert(records.slice(i, i + 500).map((r) => toRow(r) as RowTuple));
    }
  } finally {
    store.close();
  }
}
