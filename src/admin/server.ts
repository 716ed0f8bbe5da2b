// The admin surface (--admin): health, readiness, CA downloads, PAC, and the reports dashboard.
// It serves metadata only; report endpoints need a bearer token unless bound to loopback.

import http from 'node:http';
import type net from 'node:net';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, unknown>>;
}

export interface AdminOptions {
  readonly readiness: () => Readiness;
  readonly caPem: () => string;
  readonly caDer: () => Buffer;
  readonly caMobileconfig: () => Buffer;
  readonly pac?: (() => string) | undefined;
  /** Extra handlers (dashboard); return true when they answered. */
  readonly handlers?: readonly ((req: http.IncomingMessage, res: http.ServerResponse) => boolean)[];
}

export function createAdminServer(opts: AdminOptions): http.Server {
  return http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    try {
      route(opts, req, res);
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    }
  });
}

function route(opts: AdminOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  switch (path) {
    case '/healthz':
      return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    case '/readyz': {
      const r = opts.readiness();
      return send(
        res,
        r.ready ? 200 : 503,
        'application/json',
        JSON.stringify({ ready: r.ready, ...r.checks }) + '\n',
      );
    }
    case '/ca.pem':
      return send(res, 200, 'application/x-pem-file', opts.caPem(), 'zdr-egress-ca.pem');
    case '/ca.crt':
      return send(res, 200, 'application/pkix-cert', opts.caDer(), 'zdr-egress-ca.crt');
    case '/ca.mobileconfig':
      return send(
        res,
        200,
        'application/x-apple-aspen-config',
        opts.caMobileconfig(),
        'zdr-egress-ca.mobileconfig',
      );
    case '/proxy.pac':
    case '/wpad.dat':
      if (opts.pac) return send(res, 200, 'application/x-ns-proxy-autoconfig', opts.pac());
      break;
  }
  for (const h of opts.handlers ?? []) if (h(req, res)) return;
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

function send(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  filename?: string,
): void {
  const headers: Record<string, string> = {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (filename !== undefined) headers['content-disposition'] = `attachment; filename="${filename}"`;
  res.writeHead(status, headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function listen(server: http.Server, host: string, port: number): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server.address() as net.AddressInfo);
    });
  });
}
