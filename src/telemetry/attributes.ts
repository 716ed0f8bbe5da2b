// What leaves the process as OTel attributes, built field by field from a DecisionRecord. The
// record itself is already an allow-list (no body, header value, query string or raw credential);
// these builders narrow it further: metrics get only closed-set, low-cardinality labels, spans and
// log records the per-request metadata an operator needs to find one exchange. Nothing here reads a
// field that is not named, so a field added to DecisionRecord later is not exported by accident.

import type { DecisionRecord, TunnelRecord } from '../domain/record.js';

export type Attributes = Readonly<Record<string, string | number>>;

/** Label value for a missing provider or surface (a CONNECT refusal, an unknown host). */
const NONE = 'none';

/** zdr_egress.decisions: action, reason (closed sets), provider (policy ids), surface (closed set). */
export function decisionMetricAttributes(r: DecisionRecord): Attributes {
  return {
    action: r.action,
    reason: r.reason,
    provider: r.provider ?? NONE,
    surface: r.surface ?? NONE,
  };
}

/** zdr_egress.request.duration: action and provider only, to keep the bucket series few. */
export function durationMetricAttributes(r: DecisionRecord): Attributes {
  return { action: r.action, provider: r.provider ?? NONE };
}

/**
 * Span and log-record attributes. `url.path` is the record's path, which the proxy stores without
 * its query string; it is cut again here at `?` and `#` as a second line of defence.
 */
export function decisionEventAttributes(r: DecisionRecord): Attributes {
  const out: Record<string, string | number> = {
    'http.request.method': r.method,
    'server.address': r.host,
    'server.port': r.port,
    'zdr.decision': r.action,
    'zdr.reason': r.reason,
    'zdr.rule_id': r.ruleId,
    'zdr.decision_id': r.id,
    'zdr.bytes_up': r.bytesUp,
    'zdr.bytes_down': r.bytesDown,
  };
  const path = withoutQuery(r.path);
  if (path !== '') out['url.path'] = path;
  if (r.status > 0) out['http.response.status_code'] = r.status;
  if (r.provider !== null) out['zdr.provider'] = r.provider;
  if (r.surface !== null) out['zdr.surface'] = r.surface;
  return out;
}

/** Span name: method and host (both low-cardinality: hosts are the ones the policy names). */
export function decisionSpanName(r: DecisionRecord): string {
  return `${r.method} ${r.host}`;
}

/** A raw tunnel carries no label at all in metrics: its host is whatever the client asked for. */
export function tunnelMetricAttributes(_r: TunnelRecord): Attributes {
  return {};
}

export function withoutQuery(path: string): string {
  const cut = path.search(/[?#]/);
  return cut < 0 ? path : path.slice(0, cut);
}
