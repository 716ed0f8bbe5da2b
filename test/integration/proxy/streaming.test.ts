// Streaming stays streaming. Each test lets the fake upstream (or the client) send one piece and
// then wait until the other side has received it before sending the next: if anything between
// them buffered, the exchange would stall and the step's timeout would name the piece.
import type http from 'node:http';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxiedAgent } from '../../helpers/clients.js';
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
