// One upstream exchange through undici's dispatch(): the response head goes to the client as soon as it
// arrives and each body chunk is written straight through, with undici's own backpressure (onData
// returning false pauses the upstream socket until resume). No Readable, no AbortSignal, no
// stream.pipeline and no header object parsed only to be copied again: the per-request objects of
// request() that the proxy never needed.

import type { Dispatcher } from 'undici';
import type { ClientResponse } from './pipeline.js';
import { clientResponseHeaders, type ResponseStamp } from './headers.js';

/** How much of a response may wait in memory for a slow client (plus the chunk that crossed it) before the upstream is paused. */
export const RELAY_BUFFER_BYTES = 64 * 1024;

export interface RelayEvents {
  /** Upstream request bytes as undici sends them (when the body streams from the client). */
  bytesUp?: ((n: number) => void) | undefined;
  bytesDown(n: number): void;
  /** The exchange failed before the response head reached the client: answer it ourselves. */
  failedBeforeHead(err: Error): void;
  /** The exchange failed after the head (or the client went away): the response is cut. */
  failedAfterHead(err: Error): void;
  done(): void;
}

export class RelayHandler implements Dispatcher.DispatchHandler {
  private abortUpstream: ((err?: Error) => void) | null = null;
  private resumeUpstream: (() => void) | null = null;
  private clientGone = false;
  private finished = false;

  constructor(
    private readonly res: ClientResponse,
    private readonly stamp: ResponseStamp | null,
    private readonly events: RelayEvents,
  ) {
    res.once('close', this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    if (this.finished || this.res.writableEnded) return;
    this.clientGone = true;
    this.abortUpstream?.(new Error('client closed'));
  };

  private readonly onDrain = (): void => this.resumeUpstream?.();

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.clientGone) abort(new Error('client closed'));
  }

  // undici 7 passes the chunk itself at run time (its typings say a size): accept both.
  onBodySent(chunk: unknown): void {
    const n = typeof chunk === 'number' ? chunk : (chunk as { length: number }).length;
    this.events.bytesUp?.(n);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx (103 Early Hints): not forwarded
    this.resumeUpstream = resume;
    this.res.on('drain', this.onDrain);
    this.res.writeHead(statusCode, clientResponseHeaders(rawHeaders, this.stamp));
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.events.bytesDown(chunk.length);
    (this.res as { write(c: Buffer): boolean }).write(chunk);
    // Pause the upstream only when the client really is behind. write() says false for every chunk
    // as large as the socket's 16 KiB high-water mark, even one the kernel took at once (it compares
    // before writing), and pausing and resuming undici's parser for each such chunk cost a large
    // download 10-15% more CPU. writableLength counts what is still queued.
    return this.res.writableLength < RELAY_BUFFER_BYTES;
  }

  onComplete(): void {
    this.finished = true;
    this.res.off('drain', this.onDrain);
    this.res.end();
    this.events.done();
  }

  onError(err: Error): void {
    this.finished = true;
    this.res.off('drain', this.onDrain);
    if (!this.clientGone && !this.res.headersSent) this.events.failedBeforeHead(err);
    else this.events.failedAfterHead(err);
    this.events.done();
  }
}
