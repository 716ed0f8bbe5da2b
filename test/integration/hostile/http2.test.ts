// Hostile HTTP/2 on intercepted connections (ALPN h2): stream floods, rapid reset, malformed frames,
// CONTINUATION and PING floods, header floods, and a body sent without content-length. No crash,
// the proxy keeps serving, and a body is never forwarded uninspected nor silently dropped.
import http2 from 'node:http2';
import type tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { KEY, exchange, interceptedSocket, useRig, type Rig } from './rig.js';

let rig: Rig;

useRig((r) => (rig = r));

async function h2Session(): Promise<http2.ClientHttp2Session> {
  const socket = await interceptedSocket(rig, 'api.openai.com', ['h2']);
  expect(socket.alpnProtocol).toBe('h2');
  const session = http2.connect('https://api.openai.com', { createConnection: () => socket });
  session.on('error', () => undefined);
  return session;
}

function h2Request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: string,
): Promise<{ status: number; reason: string | undefined } | { error: string }> {
  return new Promise((resolve) => {
    let req: http2.ClientHttp2Stream;
    try {
      req = session.request(headers);
    } catch (err) {
      return resolve({ error: (err as NodeJS.ErrnoException).code ?? 'error' });
    }
    let head: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (head = h));
    req.on('data', () => undefined);
    req.on('end', () =>
      resolve({ status: Number(head[':status']), reason: head['x-zdr-egress-reason'] as string | undefined }),
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? 'error' }));
    req.end(body);
  });
}

const get = { ':method': 'GET', ':path': '/v1/models/h2', authorization: `Bearer ${KEY}` };

// Raw frames: 9-byte header (length, type, flags, stream id) + payload (RFC 9113 §4.1).
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
function frame(type: number, flags: number, stream: number, payload: Buffer | number[] = []): Buffer {
  const p = Buffer.from(payload);
  const h = Buffer.alloc(9);
  h.writeUIntBE(p.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, p]);
}
const SETTINGS = frame(0x4, 0, 0);
// HPACK static-table indexes: :method GET (2), :scheme https (7), :path / (4); then a literal
// :authority (index 1, literal value without indexing).
const authority = Buffer.from('api.openai.com');
const REQUEST_BLOCK = Buffer.from([0x82, 0x87, 0x84, 0x01, authority.length, ...authority]);

/** Frame types in what the server sent (it starts with its SETTINGS: no preface from a server). */
function frameTypes(received: Buffer): number[] {
  const types: number[] = [];
  for (let at = 0; at + 9 <= received.length; at += 9 + received.readUIntBE(at, 3)) {
    types.push(received[at + 3] as number);
  }
  return types;
}
const GOAWAY = 0x7;
const RST_STREAM = 0x3;
const refused = (received: Buffer): boolean =>
  frameTypes(received).some((t) => t === GOAWAY || t === RST_STREAM);

async function rawH2(frames: Buffer[], limitMs = 5_000) {
  const socket: tls.TLSSocket = await interceptedSocket(rig, 'api.openai.com', ['h2']);
  expect(socket.alpnProtocol).toBe('h2');
  const reply = await exchange(socket, [PREFACE, SETTINGS, ...frames], { limitMs, until: refused });
  return { ...reply, refused: refused(Buffer.from(reply.text, 'latin1')) };
}

describe('HTTP/2 floods', () => {
  it('survives 1,000 concurrent streams on one session (beyond its 256-stream limit)', async () => {
    const session = await h2Session();
    const results = await Promise.all(Array.from({ length: 1000 }, () => h2Request(session, get)));
    const ok = results.filter((r) => 'status' in r && r.status === 200).length;
    // Streams beyond the advertised limit may be refused; none may crash the proxy.
    expect(ok).toBeGreaterThan(0);
    session.destroy();
  }, 60_000);

  it('survives 2,000 streams opened and reset at once (rapid reset)', async () => {
    const session = await h2Session();
    for (let i = 0; i < 2000; i++) {
      try {
        const req = session.request({ ...get, ':path': `/v1/models/reset-${i}` });
        req.on('error', () => undefined);
        req.close(http2.constants.NGHTTP2_CANCEL);
      } catch {
        break; // the proxy may close the session: that is a clean answer
      }
    }
    await new Promise<void>((r) => {
      session.once('close', r);
      setTimeout(r, 1_000);
    });
    session.destroy();
    // Let the upstream requests that did start settle, so the next test sees none of them.
    let last = -1;
    for (let i = 0; i < 100 && rig.seen().length !== last; i++) {
      last = rig.seen().length;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);

  it('closes the session on a CONTINUATION flood', async () => {
    const literal = Buffer.from([
      0x40,
      0x05,
      ...Buffer.from('x-pad'),
      0x7f,
      0x00,
      ...Buffer.alloc(127, 0x61),
    ]);
    const flood = Array.from({ length: 5_000 }, () => frame(0x9, 0, 1, literal));
    const reply = await rawH2([frame(0x1, 0x1, 1, REQUEST_BLOCK), ...flood]);
    expect(reply.refused || reply.closed).toBe(true);
    expect(rig.seen()).toEqual([]);
  });

  it('survives a PING flood and a SETTINGS flood', async () => {
    const pings = Array.from({ length: 20_000 }, (_, i) => frame(0x6, 0, 0, Buffer.alloc(8, i & 0xff)));
    const settings = Array.from({ length: 20_000 }, () =>
      frame(0x4, 0, 0, [0x00, 0x03, 0x00, 0x00, 0x00, 0x64]),
    );
    const replies = await Promise.all([rawH2(pings, 1_500), rawH2(settings, 1_500)]);
    // It acknowledges (or refuses) them and goes on serving: the reply is never empty.
    for (const r of replies) expect(r.text.length).toBeGreaterThan(0);
  });

  it('survives one request carrying 5,000 headers', async () => {
    const session = await h2Session();
    const headers: http2.OutgoingHttpHeaders = { ...get };
    for (let i = 0; i < 5000; i++) headers[`x-h${i}`] = 'v';
    const r = await h2Request(session, headers);
    if ('status' in r) expect(r.status).toBeGreaterThanOrEqual(400);
    session.destroy();
    expect(rig.seen()).toEqual([]);
  });
});

describe('malformed HTTP/2 frames', () => {
  const cases: [string, Buffer[]][] = [
    ['a frame longer than the maximum frame size', [Buffer.from([0xff, 0xff, 0xff, 0x0, 0x0, 0, 0, 0, 1])]],
    ['DATA on stream 0', [frame(0x0, 0x1, 0, Buffer.from('x'))]],
    ['HEADERS on stream 0', [frame(0x1, 0x5, 0, REQUEST_BLOCK)]],
    ['HEADERS on an even (server) stream', [frame(0x1, 0x5, 2, REQUEST_BLOCK)]],
    ['an invalid HPACK index', [frame(0x1, 0x5, 1, [0x80])]],
    ['an HPACK integer overflow', [frame(0x1, 0x5, 1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])]],
    ['a SETTINGS frame of odd length', [frame(0x4, 0, 0, [0, 1, 0])]],
    ['a WINDOW_UPDATE of zero', [frame(0x8, 0, 0, [0, 0, 0, 0])]],
    [
      'a window overflow',
      [frame(0x8, 0, 0, [0x7f, 0xff, 0xff, 0xff]), frame(0x8, 0, 0, [0x7f, 0xff, 0xff, 0xff])],
    ],
    ['a PRIORITY depending on itself', [frame(0x2, 0, 1, [0, 0, 0, 1, 16])]],
    ['CONTINUATION without HEADERS', [frame(0x9, 0x4, 1, REQUEST_BLOCK)]],
    ['a RST_STREAM on an idle stream', [frame(0x3, 0, 7, [0, 0, 0, 8])]],
    ['garbage instead of frames', [Buffer.alloc(4096, 0x41)]],
    [
      'HEADERS with a connection-specific header',
      [
        frame(
          0x1,
          0x5,
          1,
          Buffer.concat([
            REQUEST_BLOCK,
            Buffer.from([0x00, 17, ...Buffer.from('transfer-encoding'), 7, ...Buffer.from('chunked')]),
          ]),
        ),
      ],
    ],
    [
      'a DATA frame longer than content-length',
      [
        frame(
          0x1,
          0x4,
          1,
          Buffer.concat([Buffer.from([0x83]), REQUEST_BLOCK.subarray(1), Buffer.from([0x0f, 0x0d, 1, 0x31])]),
        ),
        frame(0x0, 0x1, 1, Buffer.from('0123456789')),
      ],
    ],
  ];
  it.each(cases)('answers %s with an error, never a crash', async (_name, frames) => {
    const reply = await rawH2(frames, 3_000);
    // A GOAWAY or RST_STREAM, or a closed connection: never an upstream request.
    expect(reply.refused || reply.closed).toBe(true);
    expect(rig.seen().filter((s) => s.complete)).toEqual([]);
  });
});

describe('unknown HTTP/2 frames', () => {
  it('ignores an unknown frame type, as RFC 9113 §4.1 requires, and keeps the session', async () => {
    const reply = await rawH2(
      [frame(0xfa, 0xff, 1, Buffer.alloc(100, 0xee)), frame(0x6, 0, 0, Buffer.alloc(8))],
      500,
    );
    expect(reply.refused).toBe(false);
    expect(frameTypes(Buffer.from(reply.text, 'latin1'))).toContain(0x6); // the PING was answered
  });
});

describe('HTTP/2 request bodies', () => {
  // Finding 4 in docs/hostile-input.md: fails until it is fixed.
  it('inspects a body sent without content-length (it is not a request without a body)', async () => {
    const session = await h2Session();
    const r = await h2Request(
      session,
      {
        ':method': 'POST',
        ':path': '/v1/chat/completions',
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
      },
      '{"model":"gpt-4.1","store":true,"messages":[]}',
    );
    session.close();
    // Either the body was read and decided on (store:true is blocked), or it went upstream whole.
    if ('status' in r && r.status === 200) {
      expect(rig.seen().map((s) => s.bodyBytes)).toEqual([46]);
    } else {
      expect(r).toEqual({ status: 403, reason: 'retaining_feature' });
    }
  });
});
