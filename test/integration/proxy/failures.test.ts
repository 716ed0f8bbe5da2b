// Failures and cleanup: upstream errors become clear 502/504 answers, aborts propagate both ways,
// and a thousand aborted connections leave no handle behind.
import type http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTunnel, proxiedAgent } from '../../helpers/clients.js';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';
import { startHttpsUpstream, type HttpsUpstream } from '../../helpers/https-upstream.js';

const KEY = 'sk-proj-failuresAAAAAAAAAAAAAAAAAAT3BlbkFJfailuresBBBBBBBBBBBBBBBB';
let upstream: HttpsUpstream;
let zdr: TestEgress;
let silent: net.Server;
let closedPort: number;
const events: string[] = [];
let onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;

beforeAll(async () => {
  upstream = await startHttpsUpstream(['api.openai.com'], (req, res) => onRequest(req, res));
  // Accepts TCP and never answers the TLS hello: a hung upstream.
  silent = net.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  zdr = await startTestEgress({
    resolve: [
      ...upstream.resolveFor('api.openai.com'),
      `api.anthropic.com:443:127.0.0.1:${closedPort}`,
      `api.mistral.ai:443:127.0.0.1:${(silent.address() as net.AddressInfo).port}`,
    ],
    upstreamCa: [upstream.caFile],
    approve: [
      { provider: 'openai', key: KEY },
      { provider: 'anthropic', key: 'sk-ant-api03-failures' },
      { provider: 'mistral', key: 'mistral-failures-key' },
    ],
    config: { upstream_connect_timeout: '500ms' },
  });
});

afterAll(async () => {
  await zdr?.stop();
  await upstream?.close();
  silent?.close();
});

describe('upstream failures', () => {
  it('answers 502 with a fixed sentence when the upstream refuses the connection', async () => {
    const res = await request('https://api.anthropic.com/v1/messages', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: {
        'x-api-key': 'sk-ant-api03-failures',
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1, messages: [] }),
    });
    expect(res.statusCode).toBe(502);
    expect(res.headers['x-zdr-egress-upstream-error']).toBe('upstream_refused');
    const body = await res.body.text();
    expect(body).toContain('api.anthropic.com refused the connection');
    expect(body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Error:/);
  });

  it('answers 504 when the upstream does not complete its handshake in time', async () => {
    const res = await request('https://api.mistral.ai/v1/chat/completions', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { authorization: 'Bearer mistral-failures-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mistral-large-latest', messages: [] }),
    });
    expect(res.statusCode).toBe(504);
    expect(res.headers['x-zdr-egress-upstream-error']).toBe('upstream_timeout');
    await res.body.text();
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    const upstreamClosed = new Promise<void>((resolve) => {
      onRequest = (req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        res.once('close', () => {
          events.push('upstream saw the abort');
          resolve();
        });
        req.resume();
      };
    });
    const controller = new AbortController();
    const res = await request('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [] }),
      signal: controller.signal,
    });
    for await (const chunk of res.body) {
      if (String(chunk).includes('first')) break;
    }
    controller.abort();
    await upstreamClosed;
    expect(events).toContain('upstream saw the abort');
  });

  it('ends the client response with an error when the upstream dies mid-stream', async () => {
    onRequest = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      setTimeout(() => res.socket?.destroy(), 50);
      req.resume();
    };
    const res = await request('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [] }),
    });
    await expect(res.body.text()).rejects.toThrow();
  });
});

describe('cleanup', () => {
  const handles = (): number =>
    (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('returns to its baseline handle count after 1,000 connections aborted at every stage', async () => {
    await settle();
    const baseline = handles();
    const { hostname, port } = new URL(zdr.proxyUrl);
    const stages = ['tcp', 'connect', 'tls', 'request'] as const;
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const stage = stages[(batch * 50 + i) % stages.length]!;
          if (stage === 'tcp') {
            const s = net.connect(Number(port), hostname);
            await new Promise((r) => s.once('connect', r).once('error', r));
            s.destroy();
            return;
          }
          const t = await connectTunnel(zdr.proxyUrl, 'api.openai.com:443');
          if (stage === 'connect') return void t.socket.destroy();
          const s = tls.connect({ socket: t.socket, servername: 'api.openai.com', ca: zdr.caPem });
          if (stage === 'tls') {
            s.once('error', () => undefined);
            return void setImmediate(() => s.destroy());
          }
          await new Promise((r) => s.once('secureConnect', r).once('error', r));
          s.write(
            `POST /v1/chat/completions HTTP/1.1\r\nhost: api.openai.com\r\nauthorization: Bearer ${KEY}\r\ncontent-length: 100\r\n\r\n{"mo`,
          );
          setTimeout(() => s.destroy(), 5);
        }),
      );
    }
    await settle();
    expect(handles()).toBeLessThanOrEqual(baseline + 2);
  }, 60_000);
});
