// The reports dashboard on the admin address: /reports (HTML), /reports/why/<id> (HTML),
// /api/report and /api/decisions (JSON), /api/decisions.csv (export). Queries run on the report
// thread (report-client.ts), so a large report never stalls proxied traffic. Server-rendered, no
// script, no external asset; a bearer token (or Basic password) when requireToken is set.

import type http from 'node:http';
import { ReportQueryError, openReportClient, type ReportClient } from '../../decision-log/report-client.js';
import { decisionCsvRow, DECISION_CSV_HEADER } from '../../decision-log/report-format.js';
import { csvLine } from '../../decision-log/csv.js';
import type { DecisionPage, ReportFilter, ReportSummary, TimelinePoint } from '../../decision-log/queries.js';
import type { DecisionRow } from '../../decision-log/row.js';
import { authorize, CHALLENGE } from './auth.js';
import { overviewBody } from './overview.js';
import { parseReportQuery, type ReportQuery } from './params.js';
import { failure, htmlReply, send, sendText, type Reply } from './reply.js';
import { whyBody } from './why-page.js';

export interface DashboardOptions {
  readonly dataDirs: string[];
  readonly adminToken: string | null;
  readonly requireToken: boolean;
  /** Tests pin the clock; defaults to Date.now. */
  readonly now?: () => number;
  /** Tests may pass a client; by default one report thread per handler. */
  readonly client?: ReportClient;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
type Route =
  | { kind: 'overview' }
  | { kind: 'why'; id: string }
  | { kind: 'api_report' }
  | { kind: 'api_decisions' }
  | { kind: 'csv' };

const MAX_EXPORT_ROWS = 100_000;
const EXPORT_PAGE = 5_000;
const DAY = 86_400_000;

export function createDashboardHandler(opts: DashboardOptions): Handler {
  const client = opts.client ?? openReportClient(opts.dataDirs);
  const now = opts.now ?? Date.now;
  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin.invalid');
    } catch {
      return false; // not a path of ours; the admin server answers it
    }
    const route = match(url.pathname);
    if (route === null) return false;
    const html = route.kind === 'overview' || route.kind === 'why';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
      return true;
    }
    const auth = authorize(req, opts.adminToken, opts.requireToken);
    if (auth === 'unconfigured') {
      sendText(
        res,
        403,
        'reports need an admin token when the admin address is not loopback (--admin-token or ZDR_EGRESS_ADMIN_TOKEN)\n',
      );
      return true;
    }
    if (auth === 'denied') {
      sendText(res, 401, 'authorization required: Authorization: Bearer <admin token>\n', {
        'www-authenticate': CHALLENGE,
      });
      return true;
    }
    serve(route, url.searchParams, client, now()).then(
      (r) => send(res, r),
      (err: unknown) => send(res, failure(err, html)),
    );
    return true;
  };
}

function match(path: string): Route | null {
  if (path === '/reports' || path === '/reports/') return { kind: 'overview' };
  if (path === '/api/report') return { kind: 'api_report' };
  if (path === '/api/decisions') return { kind: 'api_decisions' };
  if (path === '/api/decisions.csv') return { kind: 'csv' };
  const why = /^\/reports\/why\/([^/]{1,400})$/.exec(path);
  if (why !== null) {
    try {
      return { kind: 'why', id: decodeURIComponent(why[1] as string) };
    } catch {
      return { kind: 'why', id: '' };
    }
  }
  return null;
}

async function serve(
  route: Route,
  search: URLSearchParams,
  client: ReportClient,
  now: number,
): Promise<Reply> {
  switch (route.kind) {
    case 'overview': {
      const q = parseReportQuery(search, now);
      const bucket = bucketFor(q, now);
      let notice: string | null = null;
      const [summary, timeline, pageOfRows] = await Promise.all([
        client.summary(q.filter),
        client.timeline(chartRange(q, now), bucket),
        client.decisions({ ...q.filter, limit: q.limit, offset: q.offset }),
      ]).catch((err: unknown) => {
        if (!(err instanceof ReportQueryError) || err.code !== 'no_decision_log') throw err;
        notice = `No decisions recorded yet (${err.message}).`;
        return [emptySummary(q), [], { rows: [], total: 0 }] as [
          ReportSummary,
          TimelinePoint[],
          DecisionPage,
        ];
      });
      const body = overviewBody({ query: q, search, summary, timeline, bucket, page: pageOfRows, notice });
      return htmlReply(200, 'Decision report', body);
    }
    case 'why': {
      const row = route.id === '' ? null : await client.byId(route.id);
      if (row === null) {
        return htmlReply(
          404,
          'Decision not found',
          `<div class="bar"><h1>Decision not found</h1><a href="/reports">← all decisions</a></div><section class="card"><p>No decision with this id is in the log. It may be older than the retention period, or recorded by another proxy.</p></section>`,
        );
      }
      return htmlReply(200, 'Why', whyBody(row));
    }
    case 'api_report': {
      const q = parseReportQuery(search, now);
      const bucket = bucketFor(q, now);
      const [summary, timeline] = await Promise.all([
        client.summary(q.filter),
        client.timeline(chartRange(q, now), bucket),
      ]);
      return {
        status: 200,
        type: 'json',
        body: JSON.stringify({ summary, timeline: { bucket, points: timeline } }),
      };
    }
    case 'api_decisions': {
      const q = parseReportQuery(search, now);
      const p = await client.decisions({ ...q.filter, limit: q.limit, offset: q.offset });
      return {
        status: 200,
        type: 'json',
        body: JSON.stringify({ total: p.total, limit: q.limit, offset: q.offset, rows: p.rows }),
      };
    }
    case 'csv': {
      const q = parseReportQuery(search, now, MAX_EXPORT_ROWS);
      // The first page is fetched before answering, so a bad filter or a missing log is still a clean error.
      const first = await client.decisions({
        ...q.filter,
        limit: Math.min(EXPORT_PAGE, q.limit),
        offset: q.offset,
      });
      const stamp = new Date(now).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
      return {
        status: 200,
        type: 'csv',
        headers: { 'content-disposition': `attachment; filename="zdr-egress-decisions-${stamp}.csv"` },
        body: csvPages(client, q, first.rows),
      };
    }
  }
}

async function* csvPages(
  client: ReportClient,
  q: ReportQuery,
  first: readonly DecisionRow[],
): AsyncIterable<string> {
  yield csvLine(DECISION_CSV_HEADER);
  let sent = 0;
  let rows = first;
  while (rows.length > 0) {
    yield rows.map((r) => csvLine(decisionCsvRow(r))).join('');
    sent += rows.length;
    if (sent >= q.limit || rows.length < EXPORT_PAGE) return;
    rows = (
      await client.decisions({
        ...q.filter,
        limit: Math.min(EXPORT_PAGE, q.limit - sent),
        offset: q.offset + sent,
      })
    ).rows;
  }
}

/** The chart runs to now when the range is open-ended, so empty buckets up to now show as gaps. */
function chartRange(q: ReportQuery, now: number): ReportFilter {
  return q.filter.since !== undefined && q.filter.until === undefined
    ? { ...q.filter, until: now }
    : q.filter;
}

/** Hours for ranges up to three days, days beyond. */
function bucketFor(q: ReportQuery, now: number): 'hour' | 'day' {
  const since = q.filter.since;
  if (since === undefined) return 'day';
  return (q.filter.until ?? now) - since <= 3 * DAY ? 'hour' : 'day';
}

function emptySummary(q: ReportQuery): ReportSummary {
  const zero = { allow: 0, block: 0, report: 0, warn: 0 };
  return {
    since: q.filter.since ?? null,
    until: q.filter.until ?? null,
    scope: 'all',
    total: 0,
    totals: zero,
    byReason: [],
    byProvider: [],
    bySurface: [],
    byHost: [],
    byUser: [],
    byClientIp: [],
    byDay: [],
    topOffenders: [],
  };
}
