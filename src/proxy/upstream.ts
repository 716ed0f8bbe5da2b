// Every upstream request goes through one pooled undici Agent: keep-alive connections per origin,
// TLS sessions resumed, the extra upstream CAs in one SecureContext built once (never a
// process-wide setting), and `--resolve` overrides applied in the connector so the TLS name and
// Host header stay the real host's.

import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { Agent, buildConnector } from 'undici';
import type { EgressGuard } from './egress-guard.js';

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
  /** Resolves and checks every destination not named by --resolve (egress safety). */
  readonly guard: EgressGuard;
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
    const dial = (address: string, addressPort: number): void =>
      base(
        {
          ...options,
          hostname: address,
          host: `${address.includes(':') ? `[${address}]` : address}:${addressPort}`,
          port: String(addressPort),
          // The TLS name and certificate check stay the real host's, whatever address we dial.
          ...(options.protocol === 'https:' ? { servername: options.servername || options.hostname } : {}),
        },
        callback,
      );
    const override = overrides.get(`${options.hostname}:${port}`);
    // Addresses the operator named with --resolve are allow-listed by that act.
    if (override !== undefined) return dial(override.address, override.addressPort);
    // IPv6 literals reach the connector in brackets.
    const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
    opts.guard.resolve(host).then(
      (address) => dial(address, port),
      (err: unknown) => callback(err instanceof Error ? err : new Error('resolve failed'), null),
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
