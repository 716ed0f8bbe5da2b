// Every upstream request goes through one pooled undici Agent: keep-alive connections per origin,
// TLS sessions resumed, the extra upstream CAs in one SecureContext built once (never a
// process-wide setting), and `--resolve` overrides applied in the connector so the TLS name and
// Host header stay the real host's.

import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { Agent, buildConnector } from 'undici';

export interface ResolveOverride {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly addressPort: number;
}

export interface UpstreamOptions {
  readonly resolve: readonly ResolveOverride[];
  /** PEM files of extra CAs trusted for upstream TLS (in addition to Node's bundled roots). */
  readonly upstreamCaFiles: readonly string[];
  readonly connectTimeoutMs?: number;
}

export class UpstreamError extends Error {
  constructor(
    readonly code: 'UPSTREAM_CA_UNREADABLE',
    message: string,
  ) {
    super(message);
  }
}

export function createUpstreamAgent(opts: UpstreamOptions): Agent {
  const overrides = new Map(opts.resolve.map((r) => [`${r.host}:${r.port}`, r]));
  let secureContext: tls.SecureContext | null = null;
  if (opts.upstreamCaFiles.length > 0) {
    const extra = opts.upstreamCaFiles.map((file) => {
      try {
        return readFileSync(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new UpstreamError('UPSTREAM_CA_UNREADABLE', `cannot read --upstream-ca ${file} (${code})`);
      }
    });
    secureContext = tls.createSecureContext({ ca: [...tls.rootCertificates, ...extra] });
  }
  const base = buildConnector(
    secureContext === null
      ? { maxCachedSessions: 1000, timeout: opts.connectTimeoutMs ?? 10_000 }
      : { secureContext, maxCachedSessions: 1000, timeout: opts.connectTimeoutMs ?? 10_000 },
  );
  const connect: buildConnector.connector = (options, callback) => {
    const defaultPort = options.protocol === 'https:' ? 443 : 80;
    const port = Number(options.port || defaultPort);
    const override = overrides.get(`${options.hostname}:${port}`);
    if (override === undefined) return base(options, callback);
    return base(
      {
        ...options,
        hostname: override.address,
        host: `${override.address}:${override.addressPort}`,
        port: String(override.addressPort),
        servername: options.servername || options.hostname,
      },
      callback,
    );
  };
  return new Agent({
    connect,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    // Model responses can take minutes before the first byte (non-streaming reasoning calls).
    headersTimeout: 15 * 60_000,
    bodyTimeout: 5 * 60_000,
  });
}
