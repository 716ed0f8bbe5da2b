// Query-string parameters of the report pages and APIs, validated strictly: a bad value is a 400 that
// names the parameter, never a crash and never an echo of the raw input.

import type { ReportFilter } from '../../decision-log/queries.js';
import { parseTimeSpec, TimeSpecError } from '../../decision-log/time-spec.js';
import { ACTIONS } from '../../domain/decision.js';

export class ParamError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'ParamError';
  }
}

export interface ReportQuery {
  /** As given (for links and the picker): '24h', '7d', 'all', an ISO date... */
  readonly sinceSpec: string;
  readonly untilSpec: string | null;
  readonly filter: ReportFilter;
  readonly limit: number;
  readonly offset: number;
}

/** The filters that narrow a report, in the order the page shows them. */
export const FILTER_PARAMS = ['action', 'reason', 'provider', 'host', 'user', 'client'] as const;
export type FilterParam = (typeof FILTER_PARAMS)[number];

const KNOWN = new Set<string>(['since', 'until', 'limit', 'offset', ...FILTER_PARAMS]);
export const DEFAULT_SINCE = '24h';
export const MAX_LIMIT = 500;
const MAX_TEXT = 255;

export function parseReportQuery(search: URLSearchParams, now: number, defaultLimit = 50): ReportQuery {
  for (const key of search.keys()) {
    if (!KNOWN.has(key)) throw new ParamError(key, `unknown parameter ${JSON.stringify(key.slice(0, 32))}`);
  }
  const sinceSpec = single(search, 'since') ?? DEFAULT_SINCE;
  const untilSpec = single(search, 'until');
  const f: { -readonly [K in keyof ReportFilter]: ReportFilter[K] } = {};
  if (sinceSpec !== 'all') f.since = time('since', sinceSpec, now);
  if (untilSpec !== null) f.until = time('until', untilSpec, now);
  if (f.since !== undefined && f.until !== undefined && f.until <= f.since)
    throw new ParamError('until', 'until must be after since');
  const action = single(search, 'action');
  if (action !== null) {
    if (!(ACTIONS as readonly string[]).includes(action))
      throw new ParamError('action', `action must be one of ${ACTIONS.join(', ')}`);
    f.action = action;
  }
  const reason = single(search, 'reason');
  if (reason !== null) {
    if (!/^[a-z_]{1,64}$/.test(reason))
      throw new ParamError('reason', 'reason must be a reason code (lower case and _)');
    f.reason = reason;
  }
  const text = (name: FilterParam): string | undefined => {
    const v = single(search, name);
    if (v === null) return undefined;
    if (v.length > MAX_TEXT) throw new ParamError(name, `${name} is longer than ${MAX_TEXT} characters`);
    return v;
  };
  const provider = text('provider');
  const host = text('host');
  const user = text('user');
  const client = text('client');
  if (provider !== undefined) f.provider = provider;
  if (host !== undefined) f.host = host;
  if (user !== undefined) f.user = user;
  if (client !== undefined) f.clientIp = client;
  return {
    sinceSpec,
    untilSpec,
    filter: f,
    limit: int(search, 'limit', defaultLimit, 1, MAX_LIMIT),
    offset: int(search, 'offset', 0, 0, 10_000_000),
  };
}

/** Empty values count as absent, so an unfilled form field does not filter. */
function single(search: URLSearchParams, name: string): string | null {
  const all = search.getAll(name).filter((v) => v !== '');
  if (all.length > 1) throw new ParamError(name, `${name} is given more than once`);
  return all[0] ?? null;
}

function time(name: string, spec: string, now: number): number {
  try {
    return parseTimeSpec(spec, now);
  } catch (err) {
    if (err instanceof TimeSpecError) {
      throw new ParamError(name, `${name}: use a duration (30m, 24h, 7d, 2w), an ISO date, 'now' or 'all'`);
    }
    throw err;
  }
}

function int(search: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const v = single(search, name);
  if (v === null) return dflt;
  if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ParamError(name, `${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(v);
}

/** The query string for the same report with some parameters changed (null removes one). */
export function withParams(
  current: URLSearchParams,
  changes: Readonly<Record<string, string | null>>,
): string {
  const next = new URLSearchParams(current);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) next.delete(k);
    else next.set(k, v);
  }
  const s = next.toString();
  return s === '' ? '' : `?${s}`;
}
