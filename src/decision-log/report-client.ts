// Asynchronous reports for code that shares the proxy's event loop (the admin dashboard): queries run
// in a worker thread, so a report over millions of rows never stalls proxied requests. From TypeScript
// sources (no compiled report-worker.js next to this file) the queries run inline instead.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DecisionPage, ReportFilter, ReportReader, ReportSummary, TimelinePoint } from './queries.js';
import { openReportReader, ReportSourceError } from './queries.js';
import type { DecisionRow } from './row.js';

export interface ReportClient {
  summary(f: ReportFilter, opts?: { top?: number }): Promise<ReportSummary>;
  decisions(f: ReportFilter & { limit: number; offset?: number }): Promise<DecisionPage>;
  byId(id: string): Promise<DecisionRow | null>;
  timeline(f: ReportFilter, bucket: 'hour' | 'day'): Promise<TimelinePoint[]>;
  close(): void;
}

export type ReportMethod = 'summary' | 'decisions' | 'byId' | 'timeline';
export interface ReportRequest {
  readonly id: number;
  readonly method: ReportMethod;
  readonly args: readonly unknown[];
}
export type ReportResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };

/** Runs one request against a reader that is opened on first use and kept (reopened after a failure). */
export class ReaderHost {
  private reader: ReportReader | null = null;
  constructor(private readonly dataDirs: readonly string[]) {}

  run(req: ReportRequest): ReportResponse {
    try {
      this.reader ??= openReportReader(this.dataDirs);
      return { id: req.id, ok: true, value: call(this.reader, req) };
    } catch (err) {
      this.close();
      if (err instanceof ReportSourceError)
        return { id: req.id, ok: false, code: err.code, message: err.message };
      return { id: req.id, ok: false, code: 'query_failed', message: 'the decision log query failed' };
    }
  }

  close(): void {
    this.reader?.close();
    this.reader = null;
  }
}

/** The argument shapes are those of ReportReader's methods: ReportClient built the request. */
function call(r: ReportReader, req: ReportRequest): unknown {
  const [a, b] = req.args;
  switch (req.method) {
    case 'summary':
      return r.summary(a as ReportFilter, b as { top?: number } | undefined);
    case 'decisions':
      return r.decisions(a as ReportFilter & { limit: number; offset?: number });
    case 'byId':
      return r.byId(a as string);
    case 'timeline':
      return r.timeline(a as ReportFilter, b as 'hour' | 'day');
    default: {
      const never: never = req.method;
      return never;
    }
  }
}

/** Rejections carry `code` ('no_decision_log', 'schema_too_new', 'unreadable', 'query_failed'). */
export class ReportQueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReportQueryError';
  }
}

export function openReportClient(dataDirs: readonly string[], opts: { thread?: boolean } = {}): ReportClient {
  const script = new URL('./report-worker.js', import.meta.url);
  const thread = (opts.thread ?? true) && fs.existsSync(fileURLToPath(script));
  return thread ? threadClient(script, dataDirs) : inlineClient(dataDirs);
}

function api(
  call: (method: ReportMethod, args: unknown[]) => Promise<unknown>,
  close: () => void,
): ReportClient {
  return {
    summary: (f, o) => call('summary', o === undefined ? [f] : [f, o]) as Promise<ReportSummary>,
    decisions: (f) => call('decisions', [f]) as Promise<DecisionPage>,
    byId: (id) => call('byId', [id]) as Promise<DecisionRow | null>,
    timeline: (f, b) => call('timeline', [f, b]) as Promise<TimelinePoint[]>,
    close,
  };
}

function settle(res: ReportResponse): unknown {
  if (res.ok) return res.value;
  throw new ReportQueryError(res.code, res.message);
}

function inlineClient(dataDirs: readonly string[]): ReportClient {
  const host = new ReaderHost(dataDirs);
  let next = 0;
  return api(
    (method, args) => new Promise((resolve) => resolve(settle(host.run({ id: next++, method, args })))),
    () => host.close(),
  );
}

function threadClient(script: URL, dataDirs: readonly string[]): ReportClient {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let worker: Worker | null = null;
  let next = 0;
  const failAll = (): void => {
    for (const p of pending.values())
      p.reject(new ReportQueryError('query_failed', 'the report thread stopped'));
    pending.clear();
    worker = null;
  };
  const start = (): Worker => {
    const w = new Worker(script, { workerData: { dataDirs }, name: 'zdr-egress reports' });
    w.unref();
    w.on('message', (res: ReportResponse) => {
      const p = pending.get(res.id);
      pending.delete(res.id);
      if (p === undefined) return;
      try {
        p.resolve(settle(res));
      } catch (err) {
        p.reject(err);
      }
      if (pending.size === 0) w.unref();
    });
    w.on('error', failAll);
    w.on('exit', failAll);
    return w;
  };
  return api(
    (method, args) =>
      new Promise((resolve, reject) => {
        worker ??= start();
        const id = next++;
        pending.set(id, { resolve, reject });
        // Keep the process alive while a query is out; unref again once none is.
        worker.ref();
        worker.postMessage({ id, method, args } satisfies ReportRequest);
      }),
    () => {
      void worker?.terminate();
      worker = null;
    },
  );
}
