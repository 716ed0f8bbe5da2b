// Where queued batches go. Two implementations with one contract: ThreadWriter (a worker thread owns
// the database, so SQLite never runs on the proxy's event loop) and InlineWriter (same thread, used
// when the compiled worker script is absent, i.e. when running from TypeScript sources under vitest,
// and as the fallback if the worker dies).

import { WriteEngine, type EngineOptions, type EngineState, type LossListener } from './engine.js';
import type { RowTuple } from './row.js';

export interface Writer {
  /** Hands rows over; never blocks on disk. */
  submit(rows: readonly RowTuple[]): void;
  /** Blocks until everything submitted so far is written (or lost), at most `timeoutMs`. */
  flushSync(timeoutMs: number): void;
  state(): EngineState;
  close(timeoutMs: number): void;
}

export class InlineWriter implements Writer {
  private readonly engine: WriteEngine;
  private scheduled = false;

  constructor(opts: EngineOptions, onLoss: LossListener) {
    this.engine = new WriteEngine(opts, onLoss);
    this.engine.start();
  }

  submit(rows: readonly RowTuple[]): void {
    this.engine.submit(rows);
    if (this.scheduled) return;
    this.scheduled = true;
    // The write happens after the current I/O callbacks, never inside append().
    setImmediate(() => {
      this.scheduled = false;
      this.engine.drain();
    });
  }

  flushSync(): void {
    this.engine.drain(true);
  }

  state(): EngineState {
    return this.engine.state();
  }

  close(): void {
    this.engine.close();
  }

  /** Retention now; exposed for tests through DecisionLog internals. */
  runRetention(now: number): Promise<number> {
    return this.engine.runRetention(now);
  }
}
