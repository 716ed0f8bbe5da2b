// Runs one described request (method, URL, headers, body) through the same steps the proxy takes:
// CONNECT verdict, classifyHead, body inspection when needed, decide. Used by `policy explain`,
// `policy test` and the YAML case tables.

import type { Decision } from '../domain/decision.js';
import type { RequestFacts } from '../domain/facts.js';
import { decide, decideConnect, needsBody } from '../policy/decide.js';
import type { CompiledPolicy, RequestHead } from '../policy/types.js';
import { normalizeHost } from './host.js';
import { classifyBody, classifyHead } from './index.js';

export interface SimulatedRequest {
  readonly method: string;
  /** https://host/path?query; ws:// and wss:// mean a WebSocket upgrade. */
  readonly url: string;
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: Uint8Array;
  /** Inspection cap in bytes (default 1 MiB). */
  readonly maxBody?: number;
}

export type Simulation = { ok: true; facts: RequestFacts; decision: Decision } | { ok: false; error: string };

export const DEFAULT_MAX_BODY = 1024 * 1024;

export function simulate(req: SimulatedRequest, policy: CompiledPolicy): Simulation {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return { ok: false, error: 'the URL is not valid; write it as https://host/path' };
  }
  const ws = url.protocol === 'wss:' || url.protocol === 'ws:';
  const scheme =
    url.protocol === 'https:' || url.protocol === 'wss:'
      ? 'https'
      : url.protocol === 'http:' || url.protocol === 'ws:'
        ? 'http'
        : null;
  if (scheme === null)
    return { ok: false, error: `unsupported scheme ${url.protocol}; use https:// or wss://` };
  const headers: Record<string, string> = {};
  for (const [name, value] of req.headers ?? []) headers[name.toLowerCase()] = value;
  if (
    req.body !== undefined &&
    headers['content-length'] === undefined &&
    headers['transfer-encoding'] === undefined
  ) {
    headers['content-length'] = String(req.body.length);
  }
  const host = normalizeHost(url.hostname);
  if (host === null) return { ok: false, error: 'the URL names no valid host' };
  const head: RequestHead = {
    method: req.method.toUpperCase(),
    host,
    port: url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port),
    scheme,
    target: `${url.pathname}${url.search}`,
    headers,
    websocket: ws || headers['upgrade']?.toLowerCase() === 'websocket',
  };
  let facts = classifyHead(head, policy);
  if (scheme === 'https') {
    const connect = decideConnect(host, head.port, policy);
    if (connect.kind === 'refuse' || connect.kind === 'tunnel_reported')
      return { ok: true, facts, decision: connect.decision };
  }
  if (req.body !== undefined && needsBody(facts, policy)) {
    facts = classifyBody(facts, req.body.length > (req.maxBody ?? DEFAULT_MAX_BODY) ? 'too_large' : req.body);
  }
  return { ok: true, facts, decision: decide(facts, policy) };
}
