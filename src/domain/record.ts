import type { Action } from './decision.js';
import type { ReasonCode } from './reason.js';

/**
 * The one record type that leaves the request path (decision log, pino line, OTel). Every field is
 * metadata from an allow-list: a body, a header value, a query string or a raw credential has no
 * field to go into. Columns match INTERFACES.md.
 */
export interface DecisionRecord {
  readonly id: string;
  /** ms since epoch, when the request arrived. */
  readonly ts: number;
  readonly clientIp: string;
  readonly user: string | null;
  readonly host: string;
  readonly port: number;
  readonly method: string;
  /** Path without query string. */
  readonly path: string;
  readonly provider: string | null;
  readonly surface: string | null;
  readonly credentialKind: string | null;
  readonly credentialFp: string | null;
  readonly action: Action;
  readonly reason: ReasonCode;
  readonly ruleId: string;
  /** HTTP status sent to the client (0 when the connection ended before a status). */
  readonly status: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly durationMs: number;
  /** Content hash of the compiled policy that decided. */
  readonly policyVersion: string;
}

/** One raw (never decrypted) tunnel, or a CONNECT refused before interception. */
export interface TunnelRecord {
  readonly id: string;
  readonly ts: number;
  readonly clientIp: string;
  readonly user: string | null;
  readonly host: string;
  readonly port: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly durationMs: number;
}

/** diagnostics_channel names: the proxy publishes, subscribers are wired in main.ts. */
export const DECISION_CHANNEL = 'zdr-egress:decision';
export const TUNNEL_CHANNEL = 'zdr-egress:tunnel';
