// The hostile-input rig: one in-process zdr-egress, a node:https fake provider (api.openai.com and
// api.anthropic.com, reached by --resolve) and a plain-HTTP fake site (www.example.test and api.openai.com on port 80),
// both of which record every request they see. Raw-socket helpers send exact bytes and report what
// came back; `alive()` proves the proxy still answers after each hostile case.
import http from 'node:http';
import net from 'node:net';
import type tls from 'node:tls';
import { request, type ProxyAgent } from 'undici';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { proxiedAgent, tlsThroughTunnel } from '../../helpers/clients.js';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';
import { startHttpsUpstream, type HttpsUpstream } from '../../helpers/https-upstream.js';

export const KEY = 'sk-proj-hostileAAAAAAAAAAAAAAAAAAAT3BlbkFJhostileBBBBBBBBBBBBBBBBBB';
export const ANTHROPIC_KEY = 'sk-ant-api03-hostileAAAAAAAAAAAAAAAAAAAAAAAA';
/** Put into hostile payloads: an error answer that quotes the request would carry it back. */
export const MARKER = 'ZDR-MARKER-7f3a';
const HEALTH_PATH = '/v1/models/health-probe';

export interface Seen {
  readonly origin: 'https' | 'http';
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  bodyBytes: number;
  body: string;
  /** True once the request body ended normally: the upstream got a whole request. */
  complete: boolean;
}

export interface Rig {
  readonly zdr: TestEgress;
  readonly upstream: HttpsUpstream;
  readonly proxyHost: string;
  readonly proxyPort: number;
  readonly agent: ProxyAgent;
  /** Every request an upstream saw, health probes excluded. */
  seen(): Seen[];
  clearSeen(): void;
  /** The admin health endpoint answers and an allowed intercepted request still round-trips. */
  alive(): Promise<void>;
  stop(): Promise<void>;
}

export interface RigOptions {
  readonly config?: Record<string, unknown>;
  /** More --resolve entries, asked for in the rig's beforeAll (a server an earlier beforeAll started can be named). */
  readonly resolve?: () => readonly string[];
}

/**
 * The hooks every hostile file shares: one rig for the file (handed to `set`), stopped at the end, and
 * after each case proof that the proxy still answers, plus, with `nothingForwarded`, that the case
 * reached no upstream.
 */
export function useRig(
  set: (rig: Rig) => void,
  opts: RigOptions & { readonly nothingForwarded?: boolean } = {},
): void {
  let rig: Rig | undefined;
  beforeAll(async () => {
    rig = await startRig(opts);
    set(rig);
  });
  afterAll(async () => {
    await rig?.stop();
  });
  afterEach(async () => {
    if (rig === undefined) return;
    try {
      await rig.alive();
      if (opts.nothingForwarded === true) expect(rig.seen()).toEqual([]);
    } finally {
      rig.clearSeen();
    }
  });
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const seen: Seen[] = [];
  const record = (origin: Seen['origin']) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const entry: Seen = {
      origin,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      bodyBytes: 0,
      body: '',
      complete: false,
    };
    seen.push(entry);
    req.on('data', (c: Buffer) => {
      entry.bodyBytes += c.length;
      if (entry.body.length < 4096) entry.body += c.toString('latin1');
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      entry.complete = true;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  };
  const upstream = await startHttpsUpstream(['api.openai.com', 'api.anthropic.com'], record('https'));
  const plain = http.createServer(record('http'));
  plain.on('clientError', (_err, socket: net.Socket) => socket.destroy());
  const plainSockets = new Set<net.Socket>();
  plain.on('connection', (s: net.Socket) => {
    plainSockets.add(s);
    s.once('close', () => plainSockets.delete(s));
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const plainPort = (plain.address() as net.AddressInfo).port;
  const zdr = await startTestEgress({
    resolve: [
      ...upstream.resolveFor('api.openai.com', 'api.anthropic.com'),
      `api.openai.com:80:127.0.0.1:${plainPort}`,
      `www.example.test:80:127.0.0.1:${plainPort}`,
      ...(opts.resolve?.() ?? []),
    ],
    upstreamCa: [upstream.caFile],
    approve: [
      { provider: 'openai', key: KEY },
      { provider: 'anthropic', key: ANTHROPIC_KEY },
    ],
    ...(opts.config === undefined ? {} : { config: opts.config }),
  });
  const { hostname, port } = new URL(zdr.proxyUrl);
  const agent = proxiedAgent(zdr.proxyUrl, zdr.caPem);
  return {
    zdr,
    upstream,
    proxyHost: hostname,
    proxyPort: Number(port),
    agent,
    seen: () => seen.filter((s) => !s.url.startsWith(HEALTH_PATH)),
    clearSeen: () => void (seen.length = 0),
    async alive() {
      const health = await request(`${zdr.adminUrl}/healthz`);
      expect(health.statusCode).toBe(200);
      await health.body.text();
      const probe = await request(`https://api.openai.com${HEALTH_PATH}`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(probe.statusCode).toBe(200);
      await probe.body.text();
    },
    async stop() {
      await agent.close();
      await zdr.stop();
      await upstream.close();
      for (const s of plainSockets) s.destroy();
      await new Promise<void>((r) => plain.close(() => r()));
    },
  };
}

export interface RawReply {
  /** Everything the proxy wrote, as latin1 text. */
  readonly text: string;
  /** Status code of the first response line, or null when no HTTP response came. */
  readonly status: number | null;
  /** True when the proxy closed the connection before the deadline. */
  readonly closed: boolean;
}

export type Payload = string | Buffer | readonly (string | Buffer)[];

/**
 * Writes `payload` (each array element as its own write) to `socket` and collects the reply until
 * the peer closes, `until` says enough, or `limitMs` passes. `halfClose` sends FIN after the payload.
 */
export function exchange(
  socket: net.Socket,
  payload: Payload,
  opts: { limitMs?: number; halfClose?: boolean; until?: (received: Buffer) => boolean } = {},
): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : null, closed });
      socket.destroy();
    };
    const timer = setTimeout(() => settle(false), opts.limitMs ?? 5_000);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (opts.until?.(Buffer.concat(chunks)) === true) settle(false);
    });
    socket.on('error', () => undefined);
    socket.once('close', () => settle(true));
    for (const part of typeof payload === 'string' || Buffer.isBuffer(payload) ? [payload] : payload) {
      if (!socket.destroyed) socket.write(part);
    }
    if (opts.halfClose === true && !socket.destroyed) socket.end();
  });
}

/** A plain TCP connection to the proxy port. */
export async function rawProxySocket(rig: Rig): Promise<net.Socket> {
  const s = net.connect(rig.proxyPort, rig.proxyHost);
  s.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  return s;
}

/** CONNECT host:443, then TLS (trusting our CA) with `alpn`: the decrypted side of an intercepted connection. */
export async function interceptedSocket(
  rig: Rig,
  host = 'api.openai.com',
  alpn: readonly string[] = ['http/1.1'],
): Promise<tls.TLSSocket> {
  const s = await tlsThroughTunnel(rig.zdr.proxyUrl, host, rig.zdr.caPem, alpn);
  s.on('error', () => undefined);
  return s;
}

/** The answer a hostile case must get: a 4xx, or the connection closed with no answer at all. */
export function expectCleanRefusal(reply: RawReply): void {
  expect(reply.closed, `connection left open; got ${JSON.stringify(reply.text.slice(0, 80))}`).toBe(true);
  if (reply.text.length > 0) {
    expect(reply.status, `not an HTTP answer: ${JSON.stringify(reply.text.slice(0, 80))}`).not.toBeNull();
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
  }
  expect(reply.text).not.toContain(MARKER);
}
