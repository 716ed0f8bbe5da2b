// HTTP/2 (by ALPN) and WebSocket upgrades on intercepted connections; the inspection cap.
import http2 from 'node:http2';
import tls from 'node:tls';
import { request } from 'undici';
import { WebSocketServer, WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTunnel, proxiedAgent } from '../../helpers/clients.js';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';
import { startHttpsUpstream, type HttpsUpstream } from '../../helpers/https-upstream.js';

const KEY = 'sk-proj-protocolsAAAAAAAAAAAAAAAAAT3BlbkFJprotocolsBBBBBBBBBBBBBBB';
let upstream: HttpsUpstream;
let zdr: TestEgress;
let upstreamSawBody = 0;
const slowUpgrades = { opened: 0, closed: 0 };

beforeAll(async () => {
  upstream = await startHttpsUpstream(['api.openai.com'], (req, res) => {
    req.on('data', (c: Buffer) => (upstreamSawBody += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, method: req.method }));
    });
  });
  // `slow=1` in the URL: the upgrade is answered after 500 ms, and its connection is counted.
  const wss = new WebSocketServer({
    server: upstream.server,
    verifyClient: (info, done) => setTimeout(() => done(true), info.req.url?.includes('slow=1') ? 500 : 0),
  });
  wss.on('connection', (ws, req) => {
    ws.on('message', (m) => ws.send(`echo:${String(m)}:${req.url ?? ''}`));
    if (req.url?.includes('slow=1')) {
      slowUpgrades.opened++;
      ws.once('close', () => slowUpgrades.closed++);
    }
  });
  zdr = await startTestEgress({
    resolve: upstream.resolveFor('api.openai.com'),
    upstreamCa: [upstream.caFile],
    approve: [{ provider: 'openai', key: KEY }],
    config: { inspection_cap: '64KiB' },
  });
});

afterAll(async () => {
  await zdr?.stop();
  await upstream?.close();
});

const rawSockets = new WeakMap<http2.ClientHttp2Session, tls.TLSSocket>();

async function h2Session(host: string): Promise<http2.ClientHttp2Session> {
  const t = await connectTunnel(zdr.proxyUrl, `${host}:443`);
  const socket = tls.connect({ socket: t.socket, servername: host, ca: zdr.caPem, ALPNProtocols: ['h2'] });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  expect(socket.alpnProtocol).toBe('h2');
  const session = http2.connect(`https://${host}`, { createConnection: () => socket });
  rawSockets.set(session, socket);
  return session;
}

function h2Request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string) {
  return new Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const req = session.request(headers);
      let text = '';
      let head: http2.IncomingHttpHeaders = {};
      req.setEncoding('utf8');
      req.on('response', (h) => (head = h));
      req.on('data', (c: string) => (text += c));
      req.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: text }));
      req.on('error', reject);
      req.end(body);
    },
  );
}

describe('protocols on intercepted connections', () => {
  it('serves HTTP/2 when the client offers it by ALPN, allowed and blocked alike', async () => {
    const session = await h2Session('api.openai.com');
    const ok = await h2Request(
      session,
      {
        ':method': 'POST',
        ':path': '/v1/chat/completions',
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
      },
      JSON.stringify({ model: 'gpt-4.1', messages: [] }),
    );
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ path: '/v1/chat/completions', method: 'POST' });
    expect(ok.headers['x-zdr-egress-decision']).toBe('allow');
    const blocked = await h2Request(
      session,
      { ':method': 'POST', ':path': '/v1/files', authorization: `Bearer ${KEY}` },
      'x',
    );
    expect(blocked.status).toBe(403);
    expect(blocked.headers['x-zdr-egress-reason']).toBe('data_retaining_endpoint');
    session.close();
  });

  it('closes its side promptly when an HTTP/2 client vanishes without GOAWAY', async () => {
    const handles = (): number =>
      (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 500));
    await settle();
    const baseline = handles();
    for (let i = 0; i < 5; i++) {
      const session = await h2Session('api.openai.com');
      const ok = await h2Request(session, {
        ':method': 'GET',
        ':path': '/v1/models',
        authorization: `Bearer ${KEY}`,
      });
      expect(ok.status).toBe(200);
      rawSockets.get(session)?.destroy(); // no GOAWAY: what a browser that quits does
    }
    await settle();
    expect(handles()).toBeLessThanOrEqual(baseline + 1);
  });

  it('decides a WebSocket upgrade once, then pipes frames both ways', async () => {
    const t = await connectTunnel(zdr.proxyUrl, 'api.openai.com:443');
    const ws = new WebSocket('wss://api.openai.com/v1/realtime?model=gpt-realtime', {
      createConnection: () => tls.connect({ socket: t.socket, servername: 'api.openai.com', ca: zdr.caPem }),
      headers: { authorization: `Bearer ${KEY}` },
    });
    const upgrade = new Promise<Record<string, string | string[] | undefined>>((r) =>
      ws.once('upgrade', (res) => r(res.headers)),
    );
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect((await upgrade)['x-zdr-egress-decision']).toBe('allow');
    const reply = new Promise<string>((r) => ws.once('message', (m) => r(String(m))));
    ws.send('hello');
    expect(await reply).toBe('echo:hello:/v1/realtime?model=gpt-realtime');
    ws.close();
  });

  it('closes the upstream WebSocket when the client left while the upgrade was under way', async () => {
    const t = await connectTunnel(zdr.proxyUrl, 'api.openai.com:443');
    const s = tls.connect({ socket: t.socket, servername: 'api.openai.com', ca: zdr.caPem });
    await new Promise((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
    s.write(
      'GET /v1/realtime?model=gpt-realtime&slow=1 HTTP/1.1\r\nhost: api.openai.com\r\n' +
        `authorization: Bearer ${KEY}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
        'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n',
    );
    await new Promise((r) => setTimeout(r, 100));
    // Gone 400 ms before the upstream answers 101, with a reset (no FIN for a pipe to pass on).
    t.socket.resetAndDestroy();
    for (let i = 0; i < 100 && slowUpgrades.closed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(slowUpgrades).toEqual({ opened: 1, closed: 1 });
  });

  it('refuses a WebSocket upgrade with an unapproved key before anything reaches upstream', async () => {
    const t = await connectTunnel(zdr.proxyUrl, 'api.openai.com:443');
    const ws = new WebSocket('wss://api.openai.com/v1/realtime', {
      createConnection: () => tls.connect({ socket: t.socket, servername: 'api.openai.com', ca: zdr.caPem }),
      headers: { authorization: 'Bearer sk-proj-personalAAAAAAAAAAT3BlbkFJpersonal' },
    });
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(403);
  });

  it('blocks a body above the inspection cap and never forwards it uninspected', async () => {
    upstreamSawBody = 0;
    const big = JSON.stringify({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'x'.repeat(200 * 1024) }],
    });
    const res = await request('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-zdr-egress-reason']).toBe('body_too_large');
    await res.body.text();
    expect(upstreamSawBody).toBe(0);
  });
});
