// The decision log as the proxy sees it: append() maps a DecisionRecord to a row and queues it (O(1),
// never throws, never touches the disk); a timer hands the queue to the writer every batchMs or every
// batchRows rows; flush() (SIGTERM) and close() write what is left, synchronously. When the database
// cannot be opened or written, records are dropped and counted, health() says so, and onProblem is
// told at most once a minute per kind: the proxy keeps serving.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DecisionRecord } from '../domain/record.js';
import type { EngineOptions } from './engine.js';
import { ProblemReporter, type Problem } from './problems.js';
import { toRow, type RowTuple } from './row.js';
import { ThreadWriter } from './thread-writer.js';
import { InlineWriter, type Writer } from './writer.js';

export interface DecisionLogOptions {
  readonly dataDir: string;
  /** Rows older than this many days are pruned hourly (default 90). */
  readonly retentionDays?: number;
  /** Longest a record waits in the queue (default 50 ms). */
  readonly batchMs?: number;
  /** Queue length that triggers a hand-over before batchMs (default 500). */
  readonly batchRows?: number;
  /** Records queued or being written; beyond it new records are dropped and counted (default 100,000). */
  readonly maxQueue?: number;
  /** Rate-limited (once a minute per kind); carries codes and counts, never record content. */
  readonly onProblem?: (p: Problem) => void;
  /**
   * 'thread' (default): a worker thread owns the database. 'inline': SQLite runs on this thread.
   * Running from TypeScript sources (no compiled writer-worker.js next to this file) means inline.
   */
  readonly writer?: 'thread' | 'inline';
  /** Seconds between attempts to open a database that failed to open (default 30). */
  readonly reopenSeconds?: number;
}

export interface DecisionLogHealth {
  readonly writable: boolean;
  /** Records lost since open: queue overflow, invalid record, or the database refused them. */
  readonly dropped: number;
  /** Records accepted but not yet written. */
  readonly queued: number;
  readonly lastErrorCode: string | null;
  /** Records committed since open. */
  readonly written: number;
}

export interface DecisionLog {
  append(record: DecisionRecord): void;
  flush(): void;
  health(): DecisionLogHealth;
  close(): void;
}

const FLUSH_TIMEOUT_MS = 10_000;

export function openDecisionLog(opts: DecisionLogOptions): DecisionLog {
  return new QueuedDecisionLog(opts);
}

class QueuedDecisionLog implements DecisionLog {
  private queue: RowTuple[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writer: Writer;
  /** Drops on this side of the writer, plus those of a writer that was replaced. */
  private dropped = 0;
  private closed = false;
  private readonly problems: ProblemReporter;
  private readonly batchMs: number;
  private readonly batchRows: number;
  private readonly maxQueue: number;
  private readonly engineOpts: EngineOptions;

  constructor(opts: DecisionLogOptions) {
    this.batchMs = opts.batchMs ?? 50;
    this.batchRows = opts.batchRows ?? 500;
    this.maxQueue = opts.maxQueue ?? 100_000;
    this.problems = new ProblemReporter(opts.onProblem);
    this.engineOpts = {
      dataDir: opts.dataDir,
      retentionDays: opts.retentionDays ?? 90,
      maxPending: this.maxQueue,
      reopenMs: (opts.reopenSeconds ?? 30) * 1000,
    };
    const script = new URL('./writer-worker.js', import.meta.url);
    const useThread = (opts.writer ?? 'thread') === 'thread' && fs.existsSync(fileURLToPath(script));
    this.writer = useThread
      ? new ThreadWriter(script, this.engineOpts, this.onWriterLoss, () => this.fallBackInline())
      : new InlineWriter(this.engineOpts, this.onWriterLoss);
  }

  append(record: DecisionRecord): void {
    try {
      if (this.closed) return this.drop('closed');
      const row = toRow(record);
      if (row === null) return this.drop('invalid_record');
      if (this.queue.length + this.writer.state().pending >= this.maxQueue) return this.drop('queue_full');
      this.queue.push(row);
      if (this.queue.length >= this.batchRows) this.handOver();
      else if (this.timer === null) {
        this.timer = setTimeout(() => this.handOver(), this.batchMs);
        this.timer.unref();
      }
    } catch {
      // append() must never throw into the request path; the record is counted as dropped.
      this.drop('append_failed');
    }
  }

  flush(): void {
    try {
      this.handOver();
      this.writer.flushSync(FLUSH_TIMEOUT_MS);
    } catch {
      // flush() runs on the shutdown path: never throw there.
    }
  }

  health(): DecisionLogHealth {
    const s = this.writer.state();
    return {
      writable: s.writable,
      dropped: this.dropped + s.lost,
      queued: this.queue.length + s.pending,
      lastErrorCode: s.lastErrorCode,
      written: s.written,
    };
  }

  close(): void {
    if (this.closed) return;
    this.handOver();
    this.closed = true;
    try {
      this.writer.close(FLUSH_TIMEOUT_MS);
    } catch {
      // Same as flush(): shutdown never throws.
    }
    this.problems.close();
  }

  private handOver(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length === 0) return;
    const rows = this.queue;
    this.queue = [];
    this.writer.submit(rows);
  }

  private drop(code: string): void {
    this.dropped++;
    this.problems.report('dropped', code, 1);
  }

  private readonly onWriterLoss = (code: string, count: number): void => {
    const kind = code === 'queue_full' || code === 'closed' ? 'dropped' : 'write_failed';
    this.problems.report(kind, code, count);
  };

  /** The writer thread died: keep logging on this thread rather than dropping everything. */
  private fallBackInline(): void {
    const old = this.writer.state();
    this.dropped += old.lost;
    this.writer = new InlineWriter(this.engineOpts, this.onWriterLoss);
  }
}
