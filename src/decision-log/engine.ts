// The write side behind the queue: it owns the DecisionStore, writes what it is given in batched
// transactions, survives a database that cannot be opened or written (counting what it loses), reopens
// it periodically, and runs retention. It does not care which thread it runs on (writer-thread.ts or
// inline in the proxy's thread).

import { prune, retentionCutoff } from './retention.js';
import type { RowTuple } from './row.js';
import { DecisionStore } from './store.js';

export interface EngineOptions {
  readonly dataDir: string;
  readonly retentionDays: number;
  /** Rows the engine holds while the database is busy; beyond it new rows are lost ('queue_full'). */
  readonly maxPending: number;
  readonly reopenMs?: number;
  readonly retentionEveryMs?: number;
  readonly firstRetentionMs?: number;
  readonly busyRetryMs?: number;
}

export interface EngineState {
  readonly written: number;
  readonly lost: number;
  readonly pending: number;
  readonly writable: boolean;
  readonly lastErrorCode: string | null;
}

/** Told about every loss: a stable code (SQLITE_FULL, queue_full, ...) and how many rows. */
export type LossListener = (code: string, count: number) => void;

// Under load the writer thread falls behind and batches grow: larger commits write each hot index page
// once for more rows, so throughput rises with load instead of collapsing.
const MAX_ROWS_PER_TRANSACTION = 20_000;

export class WriteEngine {
  private store: DecisionStore | null = null;
  private pending: RowTuple[] = [];
  private written = 0;
  private lost = 0;
  private writable = false;
  private lastErrorCode: string | null = null;
  private closed = false;
  private pruning = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: EngineOptions,
    private readonly onLoss: LossListener,
    /** Called after every change of the state (a thread publishes it to shared memory). */
    private readonly onState: (s: EngineState) => void = () => {},
    /** Tests substitute a store with a page limit to simulate a full disk. */
    private readonly openStore: (dataDir: string) => DecisionStore = (d) => DecisionStore.open(d),
  ) {}

  start(): void {
    this.tryOpen();
    this.timers.push(setInterval(() => this.store === null && this.tryOpen(), this.opts.reopenMs ?? 30_000));
    const every = this.opts.retentionEveryMs ?? 3_600_000;
    this.timers.push(setTimeout(() => void this.runRetention(), this.opts.firstRetentionMs ?? 60_000));
    this.timers.push(setInterval(() => void this.runRetention(), every));
    for (const t of this.timers) t.unref();
    this.publish();
  }

  state(): EngineState {
    return {
      written: this.written,
      lost: this.lost,
      pending: this.pending.length,
      writable: this.writable,
      lastErrorCode: this.lastErrorCode,
    };
  }

  submit(rows: readonly RowTuple[]): void {
    if (this.closed) return this.lose('closed', rows.length);
    const room = Math.max(0, this.opts.maxPending - this.pending.length);
    for (let i = 0; i < Math.min(room, rows.length); i++) this.pending.push(rows[i] as RowTuple);
    if (rows.length > room) this.lose('queue_full', rows.length - room);
    this.publish();
  }

  /**
   * Writes everything pending now, synchronously. Rows stay pending only when the db is busy; while a
   * busy retry is scheduled, only `force` (the flush path) tries before it.
   */
  drain(force = false): void {
    if (this.retryTimer !== null && !force) return;
    while (this.pending.length > 0) {
      if (this.store === null) {
        const n = this.pending.length;
        this.pending = [];
        this.lose(this.lastErrorCode ?? 'not_open', n);
        break;
      }
      const batch = this.pending.slice(0, MAX_ROWS_PER_TRANSACTION);
      try {
        this.store.insert(batch);
        this.pending = this.pending.slice(batch.length);
        this.written += batch.length;
        this.writable = true;
        this.lastErrorCode = null;
      } catch (err) {
        if (!this.failed(err, batch.length)) break;
      }
    }
    this.publish();
  }

  /** Writes what is pending and closes the database. Later submits are lost with code 'closed'. */
  close(): void {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.pending.length > 0) this.lose(this.lastErrorCode ?? 'closed', this.pending.length);
    this.pending = [];
    this.store?.close();
    this.store = null;
    this.writable = false;
    this.publish();
  }

  /** Retention now (tests and the hourly timer). Resolves with the number of rows removed. */
  async runRetention(now = Date.now()): Promise<number> {
    if (this.store === null || this.pruning || this.closed) return 0;
    this.pruning = true;
    try {
      const store = this.store;
      const r = await prune(store, retentionCutoff(now, this.opts.retentionDays), pauseForIo);
      return r.rows;
    } catch (err) {
      // Retention retries next hour; a failing database shows up through the write path anyway.
      this.lastErrorCode = errorCode(err);
      return 0;
    } finally {
      this.pruning = false;
    }
  }

  private tryOpen(): void {
    if (this.closed) return;
    try {
      this.store = this.openStore(this.opts.dataDir);
      this.writable = true;
      this.lastErrorCode = null;
    } catch (err) {
      this.store = null;
      this.writable = false;
      this.lastErrorCode = errorCode(err);
    }
    this.publish();
  }

  /** Returns true when the batch was dealt with (dropped), false when it stays pending (busy). */
  private failed(err: unknown, rows: number): boolean {
    const code = errorCode(err);
    this.writable = false;
    this.lastErrorCode = code;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        this.drain();
      }, this.opts.busyRetryMs ?? 250);
      this.retryTimer.unref();
      return false;
    }
    this.pending = this.pending.slice(rows);
    this.lose(code, rows);
    if (!code.startsWith('SQLITE_FULL')) {
      // Read-only, I/O error, corrupt or vanished file: start over from open, every reopenMs.
      this.store?.close();
      this.store = null;
    }
    return true;
  }

  private lose(code: string, count: number): void {
    if (count <= 0) return;
    this.lost += count;
    this.onLoss(code, count);
  }

  private publish(): void {
    this.onState(this.state());
  }
}

const pauseForIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A stable error code, never a message (messages may one day quote input). */
export function errorCode(err: unknown): string {
  const code = err !== null && typeof err === 'object' && 'code' in err ? err.code : undefined;
  if (typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code)) return code;
  return err instanceof Error && /^[A-Za-z]{1,64}$/.test(err.name) ? err.name : 'unknown';
}
