// Time arguments of `report --since/--until` and of the dashboard's range picker: a duration back
// from now (30m, 24h, 7d, 2w), an ISO date or date-time, `now`, or epoch milliseconds.

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export class TimeSpecError extends Error {
  readonly code = 'invalid_time';
  constructor(what: string) {
    super(
      `invalid time ${JSON.stringify(what.slice(0, 40))}: use a duration (30m, 24h, 7d, 2w), an ISO date or 'now'`,
    );
    this.name = 'TimeSpecError';
  }
}

/** ms since epoch. Throws TimeSpecError. */
export function parseTimeSpec(spec: string, now: number = Date.now()): number {
  const s = spec.trim();
  if (s === 'now') return now;
  const rel = /^(\d{1,6})([mhdw])$/.exec(s);
  if (rel !== null) return now - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number);
  if (/^\d{12,16}$/.test(s)) return Number(s);
  // A date-time without a zone is read as UTC, like a bare date: reports are in UTC everywhere.
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:\d{2})?$/.test(s)) {
    const zoned = /T.*(Z|[+-]\d{2}:\d{2})$/.test(s) || !s.includes('T') ? s : `${s}Z`;
    const t = Date.parse(zoned);
    if (Number.isFinite(t)) return t;
  }
  throw new TimeSpecError(s);
}
