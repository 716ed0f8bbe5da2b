// Upstream failures become clear 502/504 answers. The text is chosen from the error code, never
// copied from the error message (which can quote hosts, paths or payload fragments).

export interface UpstreamFailure {
  readonly status: 502 | 504;
  readonly code: string;
  readonly text: string;
}

const TIMEOUTS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const TLS_CODES = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_SSL_|HOSTNAME_MISMATCH)/;

export function classifyUpstreamFailure(err: unknown): UpstreamFailure {
  const code = errorCode(err);
  if (TIMEOUTS.has(code)) return { status: 504, code: 'upstream_timeout', text: 'did not answer in time' };
  if (code === 'ECONNREFUSED')
    return { status: 502, code: 'upstream_refused', text: 'refused the connection' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { status: 502, code: 'upstream_dns', text: 'could not be resolved' };
  if (TLS_CODES.test(code))
    return { status: 502, code: 'upstream_tls', text: 'presented a certificate that could not be verified' };
  return { status: 502, code: 'upstream_error', text: 'closed the connection unexpectedly' };
}

export function errorCode(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const cause = 'cause' in err ? (err as { cause?: unknown }).cause : undefined;
    if ('code' in err && typeof err.code === 'string' && err.code !== 'UND_ERR_SOCKET') return err.code;
    if (cause !== undefined) return errorCode(cause);
    if ('code' in err && typeof err.code === 'string') return err.code;
  }
  return 'unknown';
}
