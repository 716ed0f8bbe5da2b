// Main-thread side of the writer thread. Rows travel by postMessage (plain arrays of primitives, so
// the structured clone is cheap); counters come back through shared memory so that health() and the
// synchronous flush() (SIGTERM) need no message round trip: flush() blocks on Atomics.wait.

import { Worker } from 'node:worker_threads';
import type { EngineOptions, EngineState, LossListener } from './engine.js';
import type { RowTuple } from './row.js';
import type { Writer } from './writer.js';

/** Slots of the shared BigInt64Array. */
export const SLOT = { done: 0, written: 1, lost: 2, pending: 3, writable: 4 } as const;
const SLOTS = 5;

export type ToWorker =
  | { readonly type: 'rows'; readonly rows: readonly RowTuple[] }
  | { readonly type: 'flush'; readonly seq: number }
  | { readonly type: 'close'; readonly seq: number };

export type FromWorker =
  | { readonly type: 'loss'; readonly code: string; readonly count: number }
  | { readonly type: 'status'; readonly lastErrorCode: string | null };

export interface WorkerData {
  readonly engine: EngineOptions;
  readonly shared: SharedArrayBuffer;
}

export class ThreadWriter implements Writer {
  private readonly worker: Worker;
  private readonly shared: BigInt64Array;
  private seq = 0;
  private sent = 0;
  private lastErrorCode: string | null = null;
  private dead = false;
  /** Dead because the thread failed, not because close() ended it. */
  private died = false;
  /** Rows lost on this side: in flight when the thread died, or submitted after. */
  private localLost = 0;

  constructor(
    script: URL,
    opts: EngineOptions,
    private readonly onLoss: LossListener,
    /** The thread died (a bug, not a database problem): the owner switches to an InlineWriter. */
    private readonly onDeath: () => void,
  ) {
    const buffer = new SharedArrayBuffer(SLOTS * BigInt64Array.BYTES_PER_ELEMENT);
    this.shared = new BigInt64Array(buffer);
    const data: WorkerData = { engine: opts, shared: buffer };
    // A small young generation: the writer allocates little per batch, and V8's default (16 MiB
    // semi-spaces) only lets this thread's resident memory grow.
    this.worker = new Worker(script, {
      workerData: data,
      name: 'zdr-egress decision log',
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'loss') this.onLoss(m.code, m.count);
      else this.lastErrorCode = m.lastErrorCode;
    });
    this.worker.on('error', () => this.die());
    this.worker.on('exit', () => this.die());
  }

  submit(rows: readonly RowTuple[]): void {
    if (this.dead) return this.loseHere(rows.length);
    this.sent += rows.length;
    this.post({ type: 'rows', rows });
  }

  flushSync(timeoutMs: number): void {
    this.request('flush', timeoutMs);
  }

  state(): EngineState {
    const written = this.read(SLOT.written);
    const lost = this.read(SLOT.lost) + this.localLost;
    return {
      written,
      lost,
      // Rows still in the message queue count as pending too.
      pending: this.dead ? 0 : Math.max(0, this.sent - written - lost),
      writable: !this.dead && this.read(SLOT.writable) === 1,
      lastErrorCode: this.died ? 'writer_thread_failed' : this.lastErrorCode,
    };
  }

  close(timeoutMs: number): void {
    this.request('close', timeoutMs);
    this.dead = true;
    void this.worker.terminate().catch(() => {});
  }

  private request(type: 'flush' | 'close', timeoutMs: number): void {
    if (this.dead) return;
    const seq = ++this.seq;
    this.post({ type, seq });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(this.shared, SLOT.done);
      const left = deadline - Date.now();
      if (done >= BigInt(seq) || left <= 0) return;
      Atomics.wait(this.shared, SLOT.done, done, left);
    }
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private read(slot: number): number {
    return Number(Atomics.load(this.shared, slot));
  }

  private die(): void {
    if (this.dead) return;
    const s = this.state();
    this.dead = true;
    this.died = true;
    this.loseHere(s.pending);
    this.onDeath();
  }

  private loseHere(count: number): void {
    if (count <= 0) return;
    this.localLost += count;
    this.onLoss('writer_thread_failed', count);
  }
}
