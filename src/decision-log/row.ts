// The one mapping from a DecisionRecord to a table row. It copies an explicit allow-list of fields, one
// by one, so nothing else on the record (or on an object that merely looks like one) can reach disk.
// It also bounds every text field and cuts a path at `?`/`#` as a second guard against a query string.

import { ACTIONS, type Action } from '../domain/decision.js';
import type { DecisionRecord } from '../domain/record.js';

/** Column order of the `decisions` table and of every RowTuple (INTERFACES.md names). */
export const COLUMNS = [
  'id',
  'ts',
  'client_ip',
  'user',
  'host',
  'port',
  'method',
  'path',
  'provider',
  'surface',
  'credential_kind',
  'credential_fp',
  'action',
  'reason',
  'rule_id',
  'status',
  'bytes_up',
  'bytes_down',
  'duration_ms',
  'policy_version',
] as const;

export type Column = (typeof COLUMNS)[number];

/** A row as bound to the INSERT statement, in COLUMNS order. */
export type RowTuple = readonly [
  id: string,
  ts: number,
  clientIp: string,
  user: string | null,
  host: string,
  port: number | null,
  method: string,
  path: string,
  provider: string | null,
  surface: string | null,
  credentialKind: string | null,
  credentialFp: string | null,
  action: Action,
  reason: string,
  ruleId: string | null,
  status: number | null,
  bytesUp: number | null,
  bytesDown: number | null,
  durationMs: number | null,
  policyVersion: string | null,
];

/** A row as read back: column names are the JSON and CSV field names. */
export interface DecisionRow {
  readonly id: string;
  readonly ts: number;
  readonly client_ip: string;
  readonly user: string | null;
  readonly host: string;
  readonly port: number | null;
  readonly method: string;
  readonly path: string;
  readonly provider: string | null;
  readonly surface: string | null;
  readonly credential_kind: string | null;
  readonly credential_fp: string | null;
  readonly action: Action;
  readonly reason: string;
  readonly rule_id: string | null;
  readonly status: number | null;
  readonly bytes_up: number | null;
  readonly bytes_down: number | null;
  readonly duration_ms: number | null;
  readonly policy_version: string | null;
}

const MAX_ID = 128;
const MAX_HOST = 255;
const MAX_PATH = 2048;
const MAX_SHORT = 128;

/** Null when a required field is missing or malformed: the caller counts it as dropped. */
export function toRow(r: DecisionRecord): RowTuple | null {
  const id = text(r.id, MAX_ID);
  const ts = r.ts;
  const action = r.action;
  const reason = text(r.reason, MAX_SHORT);
  const host = text(r.host, MAX_HOST);
  if (id === null || id === '' || reason === null || reason === '' || host === null) return null;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) return null;
  if (!(ACTIONS as readonly unknown[]).includes(action)) return null;
  return [
    id,
    ts,
    text(r.clientIp, MAX_SHORT) ?? '',
    text(r.user, MAX_SHORT),
    host,
    int(r.port),
    text(r.method, 32) ?? '',
    pathOnly(r.path),
    text(r.provider, MAX_SHORT),
    text(r.surface, 32),
    text(r.credentialKind, MAX_SHORT),
    text(r.credentialFp, MAX_SHORT),
    action,
    reason,
    text(r.ruleId, MAX_SHORT),
    int(r.status),
    int(r.bytesUp),
    int(r.bytesDown),
    int(r.durationMs),
    text(r.policyVersion, MAX_SHORT),
  ];
}

function text(v: unknown, max: number): string | null {
  if (typeof v !== 'string') return null;
  return v.length > max ? v.slice(0, max) : v;
}

function int(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : null;
}

function pathOnly(v: unknown): string {
  const p = text(v, MAX_PATH * 2) ?? '';
  const cut = p.search(/[?#]/);
  return (cut === -1 ? p : p.slice(0, cut)).slice(0, MAX_PATH);
}
