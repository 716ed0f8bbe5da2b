// Text and CSV renderings of reports, for the CLI (and CSV for the dashboard export). Hosts, paths and
// users are attacker-controlled: terminal text goes through printable() so that no escape sequence or
// bidi override in a logged host can drive the operator's terminal; CSV goes through csv.ts.

import { ACTIONS } from '../domain/decision.js';
import { csvLine, type CsvCell } from './csv.js';
import type { Breakdown, DecisionPage, ReportSummary, TimelinePoint } from './queries.js';
import { COLUMNS, type DecisionRow } from './row.js';

/** Control characters, C1, zero-width and bidi controls: shown as \u{..} instead of interpreted. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

export const isoTime = (ts: number): string => new Date(ts).toISOString();
const num = (n: number): string => n.toLocaleString('en-US');

// ---- CSV -------------------------------------------------------------------------------------------

/** Decision rows as CSV: the table's columns plus `time` (ISO 8601, UTC) after `ts`. */
export const DECISION_CSV_HEADER: readonly string[] = ['id', 'ts', 'time', ...COLUMNS.slice(2)];

export function decisionCsvRow(r: DecisionRow): CsvCell[] {
  return [r.id, r.ts, isoTime(r.ts), ...COLUMNS.slice(2).map((c) => r[c])];
}

export function decisionsCsv(rows: readonly DecisionRow[]): string {
  return csvLine(DECISION_CSV_HEADER) + rows.map((r) => csvLine(decisionCsvRow(r))).join('');
}

/**
 * One flat table: `section,value,count,allow,block,warn,report`. `count` is every decision for the
 * `totals` and `day` sections and the non-allow decisions for the breakdowns.
 */
export function summaryCsv(s: ReportSummary): string {
  const lines = [csvLine(['section', 'value', 'count', ...ACTIONS])];
  lines.push(csvLine(['totals', 'all', s.total, ...ACTIONS.map((a) => s.totals[a])]));
  const add = (section: string, entries: readonly Breakdown[]): void => {
    for (const e of entries)
      lines.push(csvLine([section, e.value, e.count, ...ACTIONS.map((a) => e.byAction[a])]));
  };
  add('reason', s.byReason);
  add('provider', s.byProvider);
  add('surface', s.bySurface);
  add('host', s.byHost);
  add('user', s.byUser);
  add('client_ip', s.byClientIp);
  for (const o of s.topOffenders) {
    lines.push(csvLine([`offender_${o.kind}`, o.value, o.count, ...ACTIONS.map((a) => o.byAction[a])]));
  }
  for (const p of s.byDay)
    lines.push(csvLine(['day', isoTime(p.t).slice(0, 10), p.total, ...ACTIONS.map((a) => p.byAction[a])]));
  return lines.join('');
}

// ---- terminal tables ----------------------------------------------------------------------------------

function table(title: string, head: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return `${title}\n  (none)\n`;
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.min(60, Math.max(...all.map((r) => (r[i] ?? '').length))));
  const fmt = (r: readonly string[]): string =>
    '  ' +
    r
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const cell = c.length > w ? `${c.slice(0, w - 1)}…` : c;
        return i === 0 ? cell.padEnd(w) : cell.padStart(w);
      })
      .join('  ')
      .trimEnd();
  return `${title}\n${all.map(fmt).join('\n')}\n`;
}

function breakdownTable(title: string, entries: readonly Breakdown[], label: string): string {
  const rows = entries.map((e) => [
    printable(e.value ?? '(none)'),
    num(e.count),
    num(e.byAction.block),
    num(e.byAction.warn),
    num(e.byAction.report),
  ]);
  return table(title, [label, 'count', 'block', 'warn', 'report'], rows);
}

function dayChart(points: readonly TimelinePoint[]): string {
  const flagged = (p: TimelinePoint): number => p.byAction.block + p.byAction.warn + p.byAction.report;
  const max = Math.max(1, ...points.map(flagged));
  const rows = points.map((p) => [
    isoTime(p.t).slice(0, 10),
    num(p.total),
    num(flagged(p)),
    '█'.repeat(Math.round((flagged(p) / max) * 30)),
  ]);
  return table('Blocks by day (UTC)', ['day', 'decisions', 'not allowed', ''], rows);
}

export function summaryText(s: ReportSummary, dataDirs: readonly string[]): string {
  const from = s.since === null ? 'the beginning' : isoTime(s.since);
  const to = s.until === null ? 'now' : isoTime(s.until);
  const parts = [
    `Decision report, ${from} to ${to} (${dataDirs.map(printable).join(', ')})\n`,
    `Decisions: ${num(s.total)}   ${ACTIONS.map((a) => `${a} ${num(s.totals[a])}`).join('   ')}\n`,
    s.scope === 'all' ? '' : 'A user or client filter covers the decisions that were not allowed only.\n',
    breakdownTable('Blocks by reason', s.byReason, 'reason'),
    breakdownTable('Blocks by provider', s.byProvider, 'provider'),
    breakdownTable('Blocks by surface', s.bySurface, 'surface'),
    breakdownTable('Blocks by host', s.byHost, 'host'),
    breakdownTable('Blocks by user', s.byUser, 'user'),
    breakdownTable('Blocks by client address', s.byClientIp, 'client'),
    table(
      'Top offenders',
      ['who', 'count', 'block', 'warn', 'report'],
      s.topOffenders.map((o) => [
        `${o.kind === 'user' ? 'user' : 'client'} ${printable(o.value)}`,
        num(o.count),
        num(o.byAction.block),
        num(o.byAction.warn),
        num(o.byAction.report),
      ]),
    ),
    dayChart(s.byDay),
  ];
  return parts.filter((p) => p !== '').join('\n');
}

export function decisionsText(page: DecisionPage, offset: number): string {
  const rows = page.rows.map((r) => [
    isoTime(r.ts).replace('T', ' ').slice(0, 19),
    r.action,
    printable(r.reason),
    printable(`${r.method} ${r.host}${r.path}`),
    printable(r.user ?? r.client_ip),
    r.id,
  ]);
  const shown = page.rows.length === 0 ? 'none' : `${offset + 1}-${offset + page.rows.length}`;
  return table(
    `Decisions ${shown} of ${num(page.total)} (newest first, UTC)`,
    ['time', 'action', 'reason', 'request', 'who', 'id'],
    rows,
  );
}

export function whyText(r: DecisionRow, texts: { explanation: string; remedy: string }): string {
  const p = printable;
  const lines = [
    ['Decision', p(r.id)],
    ['When', isoTime(r.ts)],
    ['Action', `${r.action.toUpperCase()} (reason ${p(r.reason)}, rule ${p(r.rule_id ?? 'unknown')})`],
    ['Request', p(`${r.method} ${r.host}${r.port !== null && r.port !== 443 ? `:${r.port}` : ''}${r.path}`)],
    ['Client', p(`${r.client_ip}${r.user !== null ? ` (user ${r.user})` : ''}`)],
    ['Provider', p(r.provider === null ? 'none' : `${r.provider} (${r.surface ?? 'unknown'} surface)`)],
    [
      'Credential',
      p(
        r.credential_kind === null
          ? 'none'
          : `${r.credential_kind}, fingerprint ${r.credential_fp ?? 'unknown'}`,
      ),
    ],
    [
      'Result',
      `status ${r.status ?? '-'}, ${num(r.bytes_up ?? 0)} B up, ${num(r.bytes_down ?? 0)} B down, ${num(r.duration_ms ?? 0)} ms`,
    ],
    ['Policy', `version ${p(r.policy_version ?? 'unknown')}`],
    ['Why', p(texts.explanation)],
  ];
  if (texts.remedy !== '') lines.push(['Remedy', p(texts.remedy)]);
  return lines.map(([k, v]) => `${(k ?? '').padEnd(11)} ${v ?? ''}`).join('\n') + '\n';
}
