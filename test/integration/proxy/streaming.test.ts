// Streaming stays streaming. Each test lets the fake upstream (or the client) send one piece and
// then wait until the other side has received it before sending the next: if anything between
// them buffered, the exchange would stall and the step's timeout would name the piece.
import type http from 'node:http';
import http2 from 'node:http2';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxiedAgent, tlsThroughTunnel } from '../../helpers/clients.js';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';
import { startHttpsUpstream, type HttpsUpstream } from '../../helpers/https-upstream.js';

const KEY = 'sk-proj-streamingAAAAAAAAAAAAAAAAAT3BlbkFJstreamingBBBBBBBBBBBBBBB';

/** A one-shot signal with a deadline that names what did not arrive. */
function signal(what: string, ms = 5000): { fire(): void; wait(): Promise<void> } {
  let fire!: () => void;
  const p = new Promise<void>((resolve) => (fire = resolve));
  return {
    fire,
    wait: () =>
      Promise.race([
        p,
        new Promise<void>((_, reject) =>
          setTimeout(() => reject(new Error(`stalled: ${what} never arrived (buffered?)`)), ms),
        ),
      ]),
  };
}

let upstream: HttpsUpstream;
let zdr: TestEgress;
let onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;

beforeAll(async () => {
  upstream = await startHttpsUpstream(['api.openai.com'], (req, res) => onRequest(req, res));
  zdr = await startTestEgress({
    resolve: upstream.resolveFor('api.openai.com'),
    upstreamCa: [upstream.caFile],
    approve: [{ provider: 'openai', key: KEY }],
  });
});

afterAll(async () => {
  await zdr?.stop();
  await upstream?.close();
});

describe('streaming through an intercepted connection', () => {
  it('passes server-sent events one at a time, each before the next is sent', async () => {
    const received = [signal('event 1'), signal('event 2'), signal('event 3')];
    onRequest = (_req, res) => {
      void (async () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < 3; i++) {
          res.write(`data: {"n":${i + 1}}\n\n`);
          await received[i]!.wait();
        }
        res.end('data: [DONE]\n\n');
      })();
    };
    const res = await request('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4.1',
        stream: true,
        messages: [{ role: 'user', content: 'count' }],
      }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    let text = '';
    for await (const chunk of res.body) {
      text += String(chunk);
      for (let i = 0; i < 3; i++) if (text.includes(`{"n":${i + 1}}`)) received[i]!.fire();
    }
    expect(text).toContain('[DONE]');
  });

  it('passes a chunked request upload piece by piece, each before the next is sent', async () => {
    const arrived = [signal('upload chunk 1'), signal('upload chunk 2'), signal('upload chunk 3')];
    let seenBytes = 0;
    onRequest = (req, res) => {
      expect(req.headers['transfer-encoding']).toBe('chunked');
      let text = '';
      req.on('data', (c: Buffer) => {
        seenBytes += c.length;
        text += c.toString();
        for (let i = 0; i < 3; i++) if (text.includes(`part-${i + 1};`)) arrived[i]!.fire();
      });
      req.on('end', () => res.end(JSON.stringify({ text: 'transcribed' })));
    };
    const body = new PassThrough();
    const pending = request('https://api.openai.com/v1/audio/transcriptions', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'multipart/form-data; boundary=x' },
      body,
    });
    for (let i = 0; i < 3; i++) {
      body.write(`part-${i + 1};`);
      await arrived[i]!.wait();
    }
    body.end();
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ text: 'transcribed' });
    expect(seenBytes).toBe('part-1;part-2;part-3;'.length);
  });
});

// A slow client must hold the upstream back, not make the proxy read the response into memory. The
// upstream offers far more than the kernel buffers on both hops can hold (tcp_rmem may reach 32 MiB
// per socket on loopback); while the client reads nothing, what the upstream manages to send must
// level off well below that, and the transfer must pick up again once the client reads.
describe('backpressure on an intercepted download', () => {
  const MiB = 1024 * 1024;
  const OFFERED = 512 * MiB;
  const LEVEL_BOUND = 128 * MiB;
  let sent = 0;

  function serveLargeDownload(): void {
    sent = 0;
    const piece = Buffer.alloc(MiB, 0x61);
    onRequest = (req, res) => {
      req.resume();
      let stopped = false;
      res.on('close', () => (stopped = true));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(OFFERED) });
      const pump = (): void => {
        while (!stopped && sent < OFFERED) {
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        if (!stopped) res.end();
      };
      pump();
    };
  }

  /** Polls `sent` until it has not moved for 600 ms (or 15 s pass); returns the level. */
  async function levelOff(): Promise<number> {
    const deadline = Date.now() + 15_000;
    let last = -1;
    let still = 0;
    while (Date.now() < deadline && still < 3) {
      await new Promise((r) => setTimeout(r, 200));
      still = sent === last ? still + 1 : 0;
      last = sent;
    }
    return sent;
  }

  /**
   * With the response under way: stop reading, check that the upstream levels off well below what it
   * offers, then read again and check that the transfer moves on by another 64 MiB.
   */
  async function holdsBackThenResumes(reader: {
    pause(): unknown;
    resume(): unknown;
    on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  }): Promise<void> {
    reader.pause();
    const level = await levelOff();
    expect(level).toBeGreaterThan(0);
    expect(level).toBeLessThan(LEVEL_BOUND);
    let got = 0;
    reader.on('data', (c: Buffer) => (got += c.length));
    reader.resume();
    const deadline = Date.now() + 15_000;
    // Both: the upstream moves past its level and the client receives (bytes in flight lag behind).
    while ((sent < level + 64 * MiB || got <= 64 * MiB) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(sent).toBeGreaterThanOrEqual(level + 64 * MiB);
    expect(got).toBeGreaterThan(64 * MiB);
  }

  it('HTTP/1.1: the upstream stalls while the client does not read, and resumes when it does', async () => {
    serveLargeDownload();
    const socket = await tlsThroughTunnel(zdr.proxyUrl, 'api.openai.com', zdr.caPem);
    try {
      socket.write(
        'POST /v1/chat/completions HTTP/1.1\r\nhost: api.openai.com\r\n' +
          `authorization: Bearer ${KEY}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`,
      );
      const head = await new Promise<string>((resolve) =>
        socket.once('data', (c: Buffer) => resolve(String(c))),
      );
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      await holdsBackThenResumes(socket);
    } finally {
      socket.destroy();
    }
  }, 60_000);

  it('HTTP/2: the same through the h2 server', async () => {
    serveLargeDownload();
    const socket = await tlsThroughTunnel(zdr.proxyUrl, 'api.openai.com', zdr.caPem, ['h2']);
    expect(socket.alpnProtocol).toBe('h2');
    const session = http2.connect('https://api.openai.com', { createConnection: () => socket });
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/v1/chat/completions',
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
      });
      stream.end('{}');
      const status = await new Promise<number>((resolve) =>
        stream.once('response', (h) => resolve(Number(h[':status']))),
      );
      expect(status).toBe(200);
      await holdsBackThenResumes(stream);
    } finally {
      session.destroy();
      socket.destroy();
    }
  }, 60_000);
});
