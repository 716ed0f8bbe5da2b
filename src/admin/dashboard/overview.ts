// The /reports page: range picker, headline numbers, blocks over time, breakdowns (each entry links
// to the filtered report), the filter form and the paginated table of decisions.

import type {
  Breakdown,
  DecisionPage,
  Offender,
  ReportSummary,
  TimelinePoint,
} from '../../decision-log/queries.js';
import type { DecisionRow } from '../../decision-log/row.js';
import { ACTIONS } from '../../domain/decision.js';
import { REASON_CODES } from '../../domain/reason.js';
import { timelineChart } from './chart.js';
import { esc, isoMinute, isoSecond, num } from './html.js';
import { reasonLabel } from './labels.js';
import { FILTER_PARAMS, withParams, type FilterParam, type ReportQuery } from './params.js';

export interface OverviewData {
  readonly query: ReportQuery;
  readonly search: URLSearchParams;
  readonly summary: ReportSummary;
  readonly timeline: readonly TimelinePoint[];
  readonly bucket: 'hour' | 'day';
  readonly page: DecisionPage;
  /** Set when a data directory holds no log yet. */
  readonly notice: string | null;
}

const RANGES = [
  ['1h', 'Last hour'],
  ['24h', '24 hours'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
  ['all', 'All'],
] as const;

export function overviewBody(d: OverviewData): string {
  const s = d.summary;
  return [
    header(d),
    d.notice === null ? '' : `<div class="notice">${esc(d.notice)}</div>`,
    s.scope === 'all'
      ? ''
      : '<div class="notice" id="scope">Views of one user or client show the decisions that were not allowed: allowed traffic is counted by host, provider and time, not per person.</div>',
    kpis(s),
    `<section class="card chart" id="chart"><h2>Blocks over time <span class="muted">(per ${d.bucket}, UTC)</span></h2>${timelineChart(d.timeline, d.bucket)}` +
      `<div class="legend"><span><i class="sw block"></i>blocked</span><span><i class="sw warn"></i>warned</span><span><i class="sw report"></i>report-only (would be blocked)</span></div></section>`,
    filterForm(d),
    `<div class="grid">`,
    breakdownCard(
      'By reason',
      'reasons',
      s.byReason,
      (b) => (b.value === null ? null : { reason: b.value }),
      (v) => reasonCell(v),
    ),
    breakdownCard('By provider', 'providers', s.byProvider, (b) =>
      b.value === null ? null : { provider: b.value },
    ),
    breakdownCard('By surface', 'surfaces', s.bySurface, () => null),
    breakdownCard('Top users', 'users', s.byUser, (b) => (b.value === null ? null : { user: b.value })),
    offendersCard(s.topOffenders, d.search),
    breakdownCard('Top hosts', 'hosts', s.byHost, (b) => (b.value === null ? null : { host: b.value })),
    `</div>`,
    decisionsTable(d),
  ].join('\n');

  function breakdownCard(
    title: string,
    id: string,
    entries: readonly Breakdown[],
    filterOf: (b: Breakdown) => Partial<Record<FilterParam, string>> | null,
    cell: (v: string) => string = (v) => esc(v),
  ): string {
    const max = Math.max(1, ...entries.map((e) => e.count));
    const rows = entries.map((e) => {
      const f = filterOf(e);
      const text = e.value === null ? '<span class="muted">(none)</span>' : cell(e.value);
      const key =
        f === null
          ? text
          : `<a href="${esc(`/reports${withParams(d.search, { ...f, offset: null })}`)}">${text}</a>`;
      return `<tr><td class="k">${key}</td><td>${miniBar(e, max)}</td><td class="n">${esc(num(e.count))}</td></tr>`;
    });
    return `<section class="card" id="${id}"><h2>${esc(title)}</h2>${
      rows.length === 0
        ? '<p class="empty">Nothing blocked.</p>'
        : `<table class="bd">${COLS}<thead><tr><th>value</th><th></th><th class="n">not allowed</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    }</section>`;
  }
}

const COLS = '<colgroup><col><col class="bar"><col class="n"></colgroup>';

function header(d: OverviewData): string {
  const links = RANGES.map(([spec, label]) => {
    const on = d.query.sinceSpec === spec && d.query.untilSpec === null;
    return `<a${on ? ' class="on"' : ''} href="${esc(`/reports${withParams(d.search, { since: spec, until: null, offset: null })}`)}">${esc(label)}</a>`;
  }).join('');
  const f = d.query.filter;
  const range =
    f.since === undefined
      ? 'all recorded decisions'
      : `${isoMinute(f.since)} to ${f.until === undefined ? 'now' : isoMinute(f.until)} UTC`;
  return `<div class="bar"><div><h1>Decision report</h1><div class="muted">${esc(range)}</div></div><nav class="ranges" aria-label="time range">${links}</nav></div>`;
}

function kpis(s: ReportSummary): string {
  const notAllowed = s.totals.block + s.totals.warn + s.totals.report;
  const rate =
    s.total === 0 ? '0%' : `${((notAllowed / s.total) * 100).toFixed(notAllowed / s.total < 0.1 ? 1 : 0)}%`;
  const k = (cls: string, label: string, v: string): string =>
    `<div class="kpi ${cls}" data-kpi="${esc(cls)}"><div class="v">${esc(v)}</div><div class="l">${esc(label)}</div></div>`;
  return `<div class="kpis">${[
    k('total', 'Decisions', num(s.total)),
    k('block', 'Blocked', num(s.totals.block)),
    k('warn', 'Warned', num(s.totals.warn)),
    k('report', 'Report-only', num(s.totals.report)),
    k('allow', 'Allowed', num(s.totals.allow)),
    k('rate', 'Not allowed', rate),
  ].join('')}</div>`;
}

function miniBar(e: { byAction: Record<string, number>; count: number }, max: number): string {
  const w = 160;
  let x = 0;
  const parts = (['block', 'warn', 'report'] as const).map((a) => {
    const width = ((e.byAction[a] ?? 0) / max) * w;
    const r =
      width > 0
        ? `<rect x="${x.toFixed(1)}" y="2" width="${width.toFixed(1)}" height="10" fill="${a === 'block' ? '#c62828' : a === 'warn' ? '#b45309' : '#3d63c9'}"/>`
        : '';
    x += width;
    return r;
  });
  return `<svg width="${w}" height="14" viewBox="0 0 ${w} 14" aria-hidden="true"><rect x="0" y="2" width="${w}" height="10" fill="#eef1f5"/>${parts.join('')}</svg>`;
}

function reasonCell(code: string): string {
  return `${esc(reasonLabel(code))}<span class="code">${esc(code)}</span>`;
}

function offendersCard(offenders: readonly Offender[], search: URLSearchParams): string {
  const max = Math.max(1, ...offenders.map((o) => o.count));
  const rows = offenders.map((o) => {
    const q = withParams(search, { [o.kind === 'user' ? 'user' : 'client']: o.value, offset: null });
    return `<tr><td class="k"><span class="muted">${o.kind === 'user' ? 'user' : 'client'}</span>&nbsp;<a href="${esc(`/reports${q}`)}">${esc(o.value)}</a></td><td>${miniBar(o, max)}</td><td class="n">${esc(num(o.count))}</td></tr>`;
  });
  return `<section class="card" id="offenders"><h2>Top offenders <span class="muted">(user, or client address without a user)</span></h2>${
    rows.length === 0
      ? '<p class="empty">Nothing blocked.</p>'
      : `<table class="bd">${COLS}<thead><tr><th>who</th><th></th><th class="n">not allowed</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  }</section>`;
}

function filterForm(d: OverviewData): string {
  const f = d.search;
  const value = (name: string): string => f.get(name) ?? '';
  const select = (name: string, options: readonly string[], label: (o: string) => string): string =>
    `<select name="${name}" id="f-${name}"><option value="">any</option>${options
      .map(
        (o) => `<option value="${esc(o)}"${value(name) === o ? ' selected' : ''}>${esc(label(o))}</option>`,
      )
      .join('')}</select>`;
  const input = (name: string, placeholder: string): string =>
    `<input name="${name}" id="f-${name}" value="${esc(value(name))}" placeholder="${esc(placeholder)}" maxlength="255">`;
  const chips = FILTER_PARAMS.filter((p) => value(p) !== '').map(
    (p) =>
      `<span class="chip">${esc(p)}: ${esc(value(p))} <a href="${esc(`/reports${withParams(f, { [p]: null, offset: null })}`)}" aria-label="remove filter ${esc(p)}">✕</a></span>`,
  );
  return `<section class="card" id="filters"><form class="filters" method="get" action="/reports">
<input type="hidden" name="since" value="${esc(d.query.sinceSpec)}">${d.query.untilSpec === null ? '' : `<input type="hidden" name="until" value="${esc(d.query.untilSpec)}">`}
<label>Action ${select('action', ACTIONS, (a) => a)}</label>
<label>Reason ${select(
    'reason',
    REASON_CODES.filter((r) => r !== 'allowed'),
    (r) => reasonLabel(r),
  )}</label>
<label>Provider ${input('provider', 'openai')}</label>
<label>Host ${input('host', 'chatgpt.com')}</label>
<label>User ${input('user', 'name')}</label>
<label>Client ${input('client', '10.0.0.5')}</label>
<button type="submit">Apply</button> <a href="${esc(`/reports${withParams(new URLSearchParams({ since: d.query.sinceSpec }), {})}`)}">Clear</a>
</form>${chips.length === 0 ? '' : `<div class="chips">${chips.join('')}</div>`}</section>`;
}

function decisionsTable(d: OverviewData): string {
  const { rows, total } = d.page;
  const { offset, limit } = d.query;
  const csv = `/api/decisions.csv${withParams(d.search, { offset: null, limit: null })}`;
  const body = rows.map(decisionRow).join('');
  const prev =
    offset > 0
      ? `<a rel="prev" href="${esc(`/reports${withParams(d.search, { offset: offset - limit > 0 ? String(offset - limit) : null })}`)}#decisions">← newer</a>`
      : '';
  const next =
    offset + rows.length < total
      ? `<a rel="next" href="${esc(`/reports${withParams(d.search, { offset: String(offset + limit) })}`)}#decisions">older →</a>`
      : '';
  const shown =
    rows.length === 0 ? 'No decisions' : `${num(offset + 1)}–${num(offset + rows.length)} of ${num(total)}`;
  return `<section class="card" id="decisions"><div class="bar"><h2>Decisions <span class="muted">(newest first)</span></h2><a href="${esc(csv)}" download>Export CSV</a></div>
<table><thead><tr><th>time (UTC)</th><th>action</th><th>reason</th><th>request</th><th>user / client</th><th class="n">status</th><th></th></tr></thead>
<tbody>${body === '' ? '<tr><td colspan="7" class="empty">No decisions match.</td></tr>' : body}</tbody></table>
<div class="pager"><span data-shown="${esc(total)}">${esc(shown)}</span><span class="links">${prev}${next}</span></div></section>`;
}

function decisionRow(r: DecisionRow): string {
  const why = `/reports/why/${encodeURIComponent(r.id)}`;
  const port = r.port !== null && r.port !== 443 ? `:${r.port}` : '';
  return (
    `<tr data-id="${esc(r.id)}"><td class="t">${esc(isoSecond(r.ts))}</td><td><span class="badge ${esc(r.action)}">${esc(r.action)}</span></td>` +
    `<td>${esc(reasonLabel(r.reason))}</td><td class="req">${esc(`${r.method} ${r.host}${port}${r.path}`)}</td>` +
    `<td class="k">${esc(r.user ?? r.client_ip)}</td><td class="n">${esc(r.status ?? '')}</td><td><a href="${esc(why)}">why?</a></td></tr>`
  );
}
