// The proxy port: a node:http server that takes CONNECT (HTTPS) and absolute-form requests (plain
// HTTP). It wires the pieces together and owns the graceful drain on shutdown.

import http from 'node:http';
import net from 'node:net';
import type tls from 'node:tls';
import type { Agent } from 'undici';
import type { CompiledPolicy } from '../policy/types.js';
import { splitHostPort } from '../classify/host.js';
import { createConnectHandler } from './connect.js';
import { createInterceptor } from './intercept.js';
import { createPipeline, type ClientRequest, type ClientResponse } from './pipeline.js';
import { answerClientError } from './events.js';
import type { BlockRenderer } from './respond.js';
import type { ResolveOverride } from './upstream.js';
import { createWebSocketBridge } from './websocket.js';
import { forwardPlain } from './plain.js';
import { createCoachAllowances } from './coach.js';
import { framingProblem, framingResponse, MAX_REQUEST_HEADERS } from './headers.js';
import type { EgressGuard } from './egress-guard.js';
import type { Identifier } from './identity.js';

/** A CIDR allow-list over node's BlockList (IPv4-mapped IPv6 addresses match IPv4 ranges). */
export function cidrList(cidrs: readonly string[]): { check(ip: string): boolean } {
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const [addr, bits] = cidr.split('/') as [string, string | undefined];
    const family = net.isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(addr, bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits), family);
  }
  return {
    check(ip) {
      const family = net.isIP(ip);
      return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

export interface ProxyOptions {
  readonly policy: () => CompiledPolicy | null;
  readonly agent: Agent;
  readonly secureContextFor: (host: string) => tls.SecureContext;
  readonly resolve: readonly ResolveOverride[];
  readonly render: BlockRenderer;
  readonly inspectionCapBytes: number;
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly auditAvailable: () => boolean;
  readonly fault?: (() => void) | undefined;
  readonly guard: EgressGuard;
  readonly identifier: Identifier;
  /** Client address ranges allowed to use the proxy (never an open proxy). */
  readonly clientAllow: readonly string[];
  readonly maxConnectionsPerClient: number;
  /** How long Continue on a warn page lasts for that user and host. */
  readonly coachAllowForMs: number;
}

export interface ProxyServer {
  readonly server: http.Server;
  listen(host: string, port: number): Promise<net.AddressInfo>;
  /** Stops accepting, lets in-flight work finish for up to graceMs, then closes what is left. */
  shutdown(graceMs: number): Promise<void>;
  stats(): { connections: number; tunnels: number; intercepted: number };
}

export function createProxyServer(opts: ProxyOptions): ProxyServer {
  const overrides = new Map(opts.resolve.map((r) => [`${r.host}:${r.port}`, r]));
  const pipeline = createPipeline({ ...opts, coach: createCoachAllowances(opts.coachAllowForMs) });
  const ws = createWebSocketBridge(opts);
  const interceptor = createInterceptor(opts, pipeline, ws);
  let tunnels = 0;
  const tunnelCount = { add: () => void tunnels++, done: () => void tunnels-- };
  const sockets = new Set<net.Socket>();
  const perClient = new Map<string, number>();
  const clients = cidrList(opts.clientAllow);

  const server = http.createServer(
    // Check header deadlines every second (Node's default scan is every 30 s).
    { headersTimeout: opts.headersTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: 1000 },
    (req, res) => onPlainRequest(req, res),
  );
  server.timeout = opts.idleTimeoutMs;
  server.maxHeadersCount = MAX_REQUEST_HEADERS + 1;
  server.on('connection', (s: net.Socket) => {
    const ip = s.remoteAddress ?? '';
    if (!clients.check(ip)) {
      // Nothing has been parsed yet: a short answer the client can read, then close.
      s.end(
        'HTTP/1.1 403 Forbidden\r\nx-zdr-egress-decision: block\r\nx-zdr-egress-reason: client_not_allowed\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
      );
      return;
    }
    const open = (perClient.get(ip) ?? 0) + 1;
    if (open > opts.maxConnectionsPerClient) {
      s.end(
        'HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
      );
      return;
    }
    perClient.set(ip, open);
    sockets.add(s);
    s.once('close', () => {
      sockets.delete(s);
      const left = (perClient.get(ip) ?? 1) - 1;
      if (left <= 0) perClient.delete(ip);
      else perClient.set(ip, left);
    });
  });
  server.on(
    'connect',
    createConnectHandler({
      policy: opts.policy,
      interceptor,
      overrides,
      guard: opts.guard,
      identifier: opts.identifier,
      tunnels: tunnelCount,
    }),
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) =>
    answerClientError('proxy.http', err, socket),
  );

  function onPlainRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const framing = framingProblem(req.rawHeaders, req.headers['transfer-encoding']);
    if (framing !== null) {
      res.writeHead(framing, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(framingResponse(framing));
      return;
    }
    const url = req.url ?? '';
    if (!/^https?:\/\//i.test(url)) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(
        'zdr-egress is a forward proxy: set it as your HTTP/HTTPS proxy, or use the admin port for PAC and CA files.\n',
      );
      return;
    }
    const scheme = url[4] === 's' || url[4] === 'S' ? 'https' : 'http';
    const rest = url.slice(scheme.length + 3);
    const end = rest.search(/[/?#]/);
    const authority = splitHostPort(end < 0 ? rest : rest.slice(0, end), scheme === 'https' ? 443 : 80);
    if (authority === null || authority.host === '') {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('Bad request target.\n');
      return;
    }
    const clientIp = req.socket.remoteAddress ?? 'unknown';
    const header = req.headers['proxy-authorization'];
    const identity = opts.identifier.identify(clientIp, Array.isArray(header) ? header[0] : header);
    if (!identity.ok) {
      res.writeHead(407, {
        'proxy-authenticate': 'Basic realm="zdr-egress", charset="UTF-8"',
        'x-zdr-egress-decision': 'block',
        'x-zdr-egress-reason': 'auth_required',
        'content-length': '0',
      });
      res.end();
      return;
    }
    // Origin-form from here on: what upstream and the pipeline expect.
    req.url = end < 0 ? '/' : rest.slice(end).startsWith('/') ? rest.slice(end) : `/${rest.slice(end)}`;
    const ctx = { clientIp, user: identity.user, scheme, ...authority } as const;
    const policy = opts.policy();
    const entry = policy?.lookupHost(authority.host) ?? null;
    if (policy === null || entry !== null) {
      void pipeline.handle(req as ClientRequest, res as ClientResponse, ctx);
    } else {
      void forwardPlain(opts.agent, req, res, ctx);
    }
  }

  return {
    server,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve(server.address() as net.AddressInfo);
        });
      });
    },
    async shutdown(graceMs) {
      server.close();
      server.closeIdleConnections();
      interceptor.drain();
      const deadline = Date.now() + graceMs;
      while (sockets.size > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const s of sockets) s.destroy();
    },
    stats: () => ({ connections: sockets.size, tunnels, intercepted: interceptor.activeSessions() }),
  };
}
