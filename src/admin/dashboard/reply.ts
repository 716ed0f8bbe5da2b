// How the dashboard answers: HTML pages wrapped in the layout with a per-response CSP nonce, JSON,
// streamed CSV with backpressure, and errors mapped to status codes with messages that never quote
// request input.

import type http from 'node:http';
import { ReportQueryError } from '../../decision-log/report-client.js';
import { contentSecurityPolicy, esc, newNonce, page } from './html.js';
import { ParamError } from './params.js';

export type Reply =
  | { readonly status: number; readonly type: 'html'; readonly title: string; readonly body: string }
  | {
      readonly status: number;
      readonly type: 'json' | 'text';
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly status: number;
      readonly type: 'csv';
      /** Pages of CSV, written one after another with backpressure. */
      readonly body: AsyncIterable<string>;
      readonly headers: Readonly<Record<string, string>>;
    };

export function htmlReply(status: number, title: string, body: string): Reply {
  return { status, type: 'html', title, body };
}

export function failure(err: unknown, html: boolean): Reply {
  const [status, code, message] =
    err instanceof ParamError
      ? [400, 'bad_parameter', err.message]
      : err instanceof ReportQueryError && err.code !== 'query_failed'
        ? [err.code === 'no_decision_log' ? 404 : 503, err.code, err.message]
        : [500, 'internal_error', 'the report could not be produced'];
  if (html) {
    return htmlReply(
      status,
      'Report error',
      `<div class="bar"><h1>Report error</h1><a href="/reports">← reports</a></div><section class="card"><p>${esc(message)}</p></section>`,
    );
  }
  return { status, type: 'json', body: JSON.stringify({ error: { code, message } }) };
}

const TYPES = {
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  text: 'text/plain; charset=utf-8',
} as const;

export function send(res: http.ServerResponse, r: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = {
    'content-type': TYPES[r.type],
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    ...(r.type === 'html' ? {} : r.headers),
  };
  const head = res.req.method === 'HEAD';
  if (r.type === 'csv') {
    res.writeHead(r.status, headers);
    if (head) res.end();
    else void stream(res, r.body);
    return;
  }
  let body = r.body;
  if (r.type === 'html') {
    const nonce = newNonce();
    body = page({ title: r.title, body: r.body }, nonce);
    headers['content-security-policy'] = contentSecurityPolicy(nonce);
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(r.status, headers);
  res.end(head ? undefined : body);
}

async function stream(res: http.ServerResponse, chunks: AsyncIterable<string>): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
    }
    res.end();
  } catch {
    // Headers are out: the only honest signal left is an aborted response.
    res.destroy();
  }
}

export function sendText(
  res: http.ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  send(res, { status, type: 'text', body: text, headers: extra });
}
