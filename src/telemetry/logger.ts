// pino: one canonical line per decision, built from the allow-listed DecisionRecord fields only.
// `redact` is a second line of defence for anything that ever slips into a log call by mistake.

import pino, { type Logger } from 'pino';
import type { DecisionRecord, TunnelRecord } from '../domain/record.js';

export type { Logger };

/**
 * Keys removed from any object handed to the logger, at the top level and one level down. The
 * canonical lines below never carry them; this catches a future `logger.x({ req })` by mistake.
 */
export const REDACT_PATHS = [
  'headers',
  'rawHeaders',
  'authorization',
  'cookie',
  'x-api-key',
  'api-key',
  'body',
  'query',
  'url',
  'credential',
  'key',
  'token',
  'prompt',
  'messages',
  'input',
  'content',
  'req',
  'res',
  'request',
  'response',
].flatMap((k) => [k, `*.${k}`].map((p) => (/^[\w*.]+$/.test(p) ? p : bracket(p))));

function bracket(path: string): string {
  // pino paths name keys with dashes in brackets: x-api-key -> ["x-api-key"], *.x-api-key -> *["x-api-key"].
  return path.startsWith('*.') ? `*["${path.slice(2)}"]` : `["${path}"]`;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'zdr-egress' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], remove: true },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** The canonical decision line: the same allow-listed fields as the decision log row. */
export function logDecision(logger: Logger, r: DecisionRecord): void {
  const level = r.action === 'block' ? 'warn' : 'info';
  logger[level](
    {
      decision_id: r.id,
      client_ip: r.clientIp,
      user: r.user,
      host: r.host,
      port: r.port,
      method: r.method,
      path: r.path,
      provider: r.provider,
      surface: r.surface,
      credential_kind: r.credentialKind,
      credential_fp: r.credentialFp,
      action: r.action,
      reason: r.reason,
      rule_id: r.ruleId,
      status: r.status,
      bytes_up: r.bytesUp,
      bytes_down: r.bytesDown,
      duration_ms: r.durationMs,
      policy_version: r.policyVersion,
    },
    'decision',
  );
}

export function logTunnel(logger: Logger, r: TunnelRecord): void {
  if (!logger.isLevelEnabled('debug')) return;
  logger.debug(
    {
      tunnel_id: r.id,
      client_ip: r.clientIp,
      host: r.host,
      port: r.port,
      bytes_up: r.bytesUp,
      bytes_down: r.bytesDown,
      duration_ms: r.durationMs,
    },
    'tunnel',
  );
}
