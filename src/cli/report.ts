// `zdr-egress report` and `zdr-egress why ID`: read-only views of one or more decision logs.
// Results go to stdout, errors to stderr, and process.exitCode says which.

import type { Command } from 'commander';
import { ACTIONS } from '../domain/decision.js';
import {
  openReportReader,
  ReportSourceError,
  type ReportFilter,
  type ReportReader,
} from '../decision-log/queries.js';
import {
  decisionsCsv,
  decisionsText,
  summaryCsv,
  summaryText,
  whyText,
} from '../decision-log/report-format.js';
import { parseTimeSpec, TimeSpecError } from '../decision-log/time-spec.js';
import { explainRow } from '../decision-log/why.js';

export interface ReportCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => number;
}

interface ReportOptions {
  readonly since: string;
  readonly until?: string;
  readonly format: string;
  readonly data: string[];
  readonly action?: string;
  readonly reason?: string;
  readonly provider?: string;
  readonly host?: string;
  readonly user?: string;
  readonly client?: string;
  readonly top: string;
  readonly decisions?: boolean;
  readonly limit: string;
  readonly offset: string;
}

const FORMATS = ['table', 'csv', 'json'] as const;

/** Thrown for a bad argument; the message is printed as is and the exit code is 1. */
class UsageError extends Error {}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function dataDirs(given: readonly string[]): string[] {
  return given.length > 0 ? [...given] : [process.env['ZDR_EGRESS_DATA'] ?? './data'];
}

export function registerReportCommands(program: Command, io: Partial<ReportCliIo> = {}): void {
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t));
  const now = io.now ?? Date.now;

  /** Opens the logs, runs `fn`, reports a failure on stderr with exit code 1. */
  const withReader = (dirs: readonly string[], fn: (r: ReportReader) => void): void => {
    let reader: ReportReader | null = null;
    try {
      reader = openReportReader(dirs);
      fn(reader);
    } catch (e) {
      if (e instanceof UsageError || e instanceof TimeSpecError || e instanceof ReportSourceError)
        err(`zdr-egress: ${e.message}\n`);
      else err(`zdr-egress: reading the decision log failed (${codeOf(e)})\n`);
      process.exitCode = 1;
    } finally {
      reader?.close();
    }
  };

  program
    .command('report')
    .description(
      'Summarise the decision log: totals by action; blocks by reason, provider, surface, host, user, client and day; top offenders',
    )
    .option('--since <time>', "start: a duration back from now (24h, 7d), an ISO date, or 'all'", '24h')
    .option('--until <time>', 'end (default: now)')
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--data <dir>', 'data directory holding decisions.db; repeat to merge several logs', collect, [])
    .option('--action <action>', `only this action (${ACTIONS.join(', ')})`)
    .option('--reason <code>', 'only this reason code')
    .option('--provider <id>', 'only this provider')
    .option('--host <host>', 'only this host')
    .option('--user <user>', 'only this user')
    .option('--client <address>', 'only this client address')
    .option('--top <n>', 'entries per host, user and client breakdown', '10')
    .option('--decisions', 'list the matching decisions (newest first) instead of the summary')
    .option('--limit <n>', 'with --decisions: how many', '100')
    .option('--offset <n>', 'with --decisions: how many to skip', '0')
    .action((opts: ReportOptions) => {
      const dirs = dataDirs(opts.data);
      withReader(dirs, (reader) => {
        const format = opts.format;
        if (!(FORMATS as readonly string[]).includes(format))
          throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
        const filter = toFilter(opts, now());
        if (opts.decisions === true) {
          const offset = count('--offset', opts.offset);
          const page = reader.decisions({ ...filter, limit: count('--limit', opts.limit), offset });
          if (format === 'json') out(JSON.stringify(page, null, 2) + '\n');
          else if (format === 'csv') out(decisionsCsv(page.rows));
          else out(decisionsText(page, offset));
          return;
        }
        const summary = reader.summary(filter, { top: count('--top', opts.top) });
        if (format === 'json') out(JSON.stringify(summary, null, 2) + '\n');
        else if (format === 'csv') out(summaryCsv(summary));
        else out(summaryText(summary, dirs));
      });
    });

  program
    .command('why')
    .description('Print one decision with its explanation and remedy')
    .argument('<decision-id>', 'the id from the X-ZDR-Egress-Decision-Id header, the block page or a report')
    .option('--data <dir>', 'data directory holding decisions.db; repeat to search several logs', collect, [])
    .option('--json', 'machine-readable output')
    .action((id: string, opts: { data: string[]; json?: boolean }) => {
      const dirs = dataDirs(opts.data);
      withReader(dirs, (reader) => {
        const row = reader.byId(id);
        if (row === null)
          throw new UsageError(`no decision ${JSON.stringify(id.slice(0, 80))} in ${dirs.join(', ')}`);
        const texts = explainRow(row);
        out(
          opts.json === true
            ? JSON.stringify({ decision: row, ...texts }, null, 2) + '\n'
            : whyText(row, texts),
        );
      });
    });
}

function toFilter(o: ReportOptions, now: number): ReportFilter {
  const f: { -readonly [K in keyof ReportFilter]: ReportFilter[K] } = {};
  if (o.since !== 'all') f.since = parseTimeSpec(o.since, now);
  if (o.until !== undefined) f.until = parseTimeSpec(o.until, now);
  if (f.since !== undefined && f.until !== undefined && f.until <= f.since)
    throw new UsageError('--until must be after --since');
  if (o.action !== undefined) {
    if (!(ACTIONS as readonly string[]).includes(o.action))
      throw new UsageError(`--action must be one of ${ACTIONS.join(', ')}`);
    f.action = o.action;
  }
  if (o.reason !== undefined) f.reason = o.reason;
  if (o.provider !== undefined) f.provider = o.provider;
  if (o.host !== undefined) f.host = o.host;
  if (o.user !== undefined) f.user = o.user;
  if (o.client !== undefined) f.clientIp = o.client;
  return f;
}

function count(flag: string, v: string): number {
  if (!/^\d{1,9}$/.test(v)) throw new UsageError(`${flag} must be a whole number`);
  return Number(v);
}

function codeOf(e: unknown): string {
  const code = e !== null && typeof e === 'object' && 'code' in e ? e.code : undefined;
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : 'unknown';
}
