// Broken ClientHellos inside CONNECT tunnels. The proxy peeks at the hello before choosing to
// terminate TLS (a host the policy names) or to tunnel raw (any other host, where an SNI naming an AI
// host must not leave that way); a hello it cannot read could hide its SNI, so each of these must end
// in a clean close (never a raw tunnel, never a crash), and a slow hello must not hold a socket
// forever. A raw tunnel's upstream is dialled during the peek, so each case to a tunnelled host also
// checks that the far end saw no byte and was closed.
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TUNNEL_CHANNEL, type TunnelRecord } from '../../../src/domain/record.js';
import { captureClientHello } from '../../helpers/client-hello.js';
import {
  clientHello,
  clientHelloMessage,
  frame,
  hostName,
  serverNameExtension,
} from '../../unit/fuzz/client-hello-builder.js';
import { exchange, expectCleanRefusal, useRig, type RawReply, type Rig } from './rig.js';

let rig: Rig;
let realHello: Buffer;

// The far end of raw tunnels to tunnel.example.test: a TCP sink that reports, per connection, the
// bytes that reached it.
const sinkSockets = new Set<net.Socket>();
const sink = net.createServer((s) => {
  sinkSockets.add(s);
  const got: Buffer[] = [];
  s.on('data', (c: Buffer) => got.push(c));
  s.on('error', () => undefined);
  s.once('close', () => {
    sinkSockets.delete(s);
    sinkClosed.shift()?.(Buffer.concat(got));
  });
});
const sinkClosed: ((bytes: Buffer) => void)[] = [];
/** The bytes of the next sink connection to close; null when none closes in time (a leak). */
const nextSinkConnection = (limitMs = 3_000): Promise<Buffer | null> =>
  new Promise((resolve) => {
    sinkClosed.length = 0;
    const timer = setTimeout(() => resolve(null), limitMs);
    sinkClosed.push((bytes) => {
      clearTimeout(timer);
      resolve(bytes);
    });
  });

// A port nothing listens on: tunnels to refused.example.test fail to connect upstream. And a server
// that speaks first and hangs up at once (banner.example.test).
let refusedPort = 0;
const banner = net.createServer((s) => s.end('SSH-2.0-banner\r\n'));

beforeAll(async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  refusedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => banner.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  // A tunnel the proxy failed to close would otherwise hold the sink open.
  for (const s of sinkSockets) s.destroy();
  await new Promise<void>((r) => sink.close(() => r()));
  await new Promise<void>((r) => banner.close(() => r()));
});

useRig((r) => (rig = r), {
  nothingForwarded: true,
  resolve: () => [
    `tunnel.example.test:443:127.0.0.1:${(sink.address() as net.AddressInfo).port}`,
    `refused.example.test:443:127.0.0.1:${refusedPort}`,
    `banner.example.test:443:127.0.0.1:${(banner.address() as net.AddressInfo).port}`,
  ],
});

beforeAll(async () => {
  realHello = await captureClientHello('api.openai.com');
});

/** CONNECT to `authority` on a raw socket; resolves once the 200 is in, with the socket. */
async function tunnel(authority = 'api.openai.com:443'): Promise<net.Socket> {
  const s = net.connect(rig.proxyPort, rig.proxyHost);
  s.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (c: Buffer): void => {
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      s.off('data', onData);
      if (head.startsWith('HTTP/1.1 200')) resolve();
      else reject(new Error(`CONNECT refused: ${head.split('\r\n')[0]}`));
    };
    s.on('data', onData);
    s.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`);
  });
  return s;
}

function expectClosedSilently(reply: RawReply): void {
  expect(reply.closed).toBe(true);
  // Nothing comes back: no ServerHello, no bytes from any upstream.
  expect(reply.text).toBe('');
}

describe('ClientHellos the proxy cannot read are closed, never tunnelled', () => {
  const withSni = (name: Uint8Array): Buffer =>
    clientHello({ extensions: [serverNameExtension([{ name }])] });
  const cases: [string, () => Buffer][] = [
    ['a hello cut off in the record header', () => realHello.subarray(0, 3)],
    ['a hello cut off in the middle', () => realHello.subarray(0, Math.floor(realHello.length / 2))],
    ['a hello missing its last byte', () => realHello.subarray(0, realHello.length - 1)],
    ['an SNI with a NUL byte', () => withSni(hostName('api.openai\0com'))],
    ['an SNI with a space', () => withSni(hostName('api.openai.com evil.test'))],
    ['an SNI with bytes above 0x7e', () => withSni(Uint8Array.from([0x61, 0xff, 0x62]))],
    ['an empty SNI', () => withSni(new Uint8Array(0))],
    ['an SNI longer than 255 bytes', () => withSni(hostName(`${'a'.repeat(300)}.com`))],
    ['an SNI that is not a host name', () => withSni(hostName('api.openai.com/x@y'))],
    [
      'a server_name list longer than its extension',
      () =>
        clientHello({
          extensions: [{ type: 0, data: Uint8Array.from([0x00, 0x40, 0x00, 0x00, 0x03, 0x61]) }],
        }),
    ],
    [
      'an extension longer than the extensions block',
      () => {
        const h = clientHello({ extensions: [{ type: 0x000a, data: new Uint8Array(4) }] });
        h.writeUInt16BE(0xffff, h.length - 6);
        return h;
      },
    ],
    [
      'a ServerHello instead of a ClientHello',
      () => {
        const m = clientHelloMessage();
        m[0] = 0x02;
        return frame(m);
      },
    ],
    [
      'a record with an SSL 2 version byte',
      () => {
        const h = Buffer.from(realHello);
        h[1] = 0x02;
        return h;
      },
    ],
    ['an empty handshake record', () => Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00])],
    [
      'a record longer than TLS allows',
      () => Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]), Buffer.alloc(1000)]),
    ],
    ['a handshake claiming 16 MiB', () => frame(Buffer.from([0x01, 0xff, 0xff, 0xff, 0x03, 0x03]))],
    [
      'a hello over 64 KiB in many records',
      () => {
        const big = clientHelloMessage({
          extensions: [
            { type: 0x0015, data: new Uint8Array(60_000) },
            { type: 0x0016, data: new Uint8Array(10_000) },
          ],
        });
        return frame(big, 16_384);
      },
    ],
    ['an alert record', () => Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])],
    [
      'plain HTTP to a named host',
      () => Buffer.from('GET /v1/models HTTP/1.1\r\nhost: api.openai.com\r\n\r\n'),
    ],
    ['an SSH banner', () => Buffer.from('SSH-2.0-OpenSSH_9.6\r\n')],
  ];
  it.each(cases)('closes %s to a named host', async (_name, make) => {
    expectClosedSilently(await exchange(await tunnel(), make(), { halfClose: true }));
  });

  // The peek's side: only a first byte of 0x16 (a handshake record) is read as TLS. Anything else is
  // not TLS at all, has no SNI to check, and goes through raw, byte for byte.
  it.each(cases)(
    'closes %s to a tunnelled host without tunnelling it (or tunnels non-TLS raw)',
    async (_name, make) => {
      const bytes = make();
      const reached = nextSinkConnection();
      const reply = await exchange(await tunnel('tunnel.example.test:443'), bytes, { halfClose: true });
      expect(reply.closed).toBe(true);
      expect(reply.text).toBe('');
      const far = await reached;
      expect(far, 'the tunnel to the far end was never closed').not.toBeNull();
      expect(far?.equals(bytes[0] === 0x16 ? Buffer.alloc(0) : bytes)).toBe(true);
    },
  );

  it('closes a truncated hello that goes silent, and a tunnel that never sends one, within the peek timeout', async () => {
    // Both wait on the same 10 s peek timer; they run side by side to keep the suite short.
    const [truncated, silent] = await Promise.all([
      exchange(await tunnel(), realHello.subarray(0, 40), { limitMs: 15_000 }),
      exchange(await tunnel(), Buffer.alloc(0), { limitMs: 15_000 }),
    ]);
    expectClosedSilently(truncated);
    expectClosedSilently(silent);
  }, 20_000);

  it('closes a truncated hello to a tunnelled host that goes silent within the peek timeout, never tunnelled', async () => {
    // Side by side on the same 10 s peek timer: a silent client whose server spoke first and hung up
    // meanwhile gets the server's words, then the close.
    const reached = nextSinkConnection(15_000);
    const [reply, spoken] = await Promise.all([
      exchange(await tunnel('tunnel.example.test:443'), realHello.subarray(0, 40), { limitMs: 15_000 }),
      exchange(await tunnel('banner.example.test:443'), Buffer.alloc(0), { limitMs: 15_000 }),
    ]);
    expect(reply.closed).toBe(true);
    expect(reply.text).toBe('');
    expect((await reached)?.length).toBe(0);
    expect(spoken).toEqual({ text: 'SSH-2.0-banner\r\n', status: null, closed: true });
  }, 20_000);
});

describe('ClientHellos the proxy can read', () => {
  it('answers a hello without SNI to a named host with a ServerHello (intercepted on the CONNECT host)', async () => {
    const noSni = await captureClientHello(undefined);
    const reply = await exchange(await tunnel(), noSni, { limitMs: 1_000 });
    expect(reply.text.charCodeAt(0)).toBe(0x16);
  });

  it('reads a hello fragmented into 7-byte records', async () => {
    const reply = await exchange(await tunnel(), frame(realHello.subarray(5), 7), { limitMs: 1_000 });
    expect(reply.text.charCodeAt(0)).toBe(0x16);
  });

  it('reads a hello trickled one byte per write', async () => {
    const bytes = [...realHello].map((b) => Buffer.from([b]));
    const reply = await exchange(await tunnel(), bytes, { limitMs: 1_000 });
    expect(reply.text.charCodeAt(0)).toBe(0x16);
  });

  it('refuses a well-formed hello whose SNI names another host than the CONNECT line', async () => {
    const other = await captureClientHello('chatgpt.com');
    expectCleanRefusal(await exchange(await tunnel(), other, { halfClose: true }));
  });

  it('refuses a well-formed hello to a tunnelled host whose SNI names a host the policy names', async () => {
    const reached = nextSinkConnection();
    const ai = await captureClientHello('api.openai.com');
    const reply = await exchange(await tunnel('tunnel.example.test:443'), ai, { halfClose: true });
    expectCleanRefusal(reply);
    expect((await reached)?.length).toBe(0);
  });

  it('ends and reports a tunnel whose upstream refused while the hello was still coming', async () => {
    const ends: TunnelRecord[] = [];
    const onTunnel = (m: unknown): void => void ends.push(m as TunnelRecord);
    diagnostics.subscribe(TUNNEL_CHANNEL, onTunnel);
    try {
      const s = await tunnel('refused.example.test:443');
      await new Promise((r) => setTimeout(r, 200)); // the upstream dial fails meanwhile
      const hello = await captureClientHello('refused.example.test');
      const reply = await exchange(s, hello, { halfClose: true });
      expect(reply.closed).toBe(true);
      for (let i = 0; i < 100 && ends.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(ends.map((e) => e.host)).toEqual(['refused.example.test']);
    } finally {
      diagnostics.unsubscribe(TUNNEL_CHANNEL, onTunnel);
    }
  });

  it('tunnels a well-formed hello to a tunnelled host raw, byte for byte', async () => {
    const reached = nextSinkConnection();
    const own = await captureClientHello('tunnel.example.test');
    await exchange(await tunnel('tunnel.example.test:443'), own, { halfClose: true });
    expect((await reached)?.equals(own)).toBe(true);
  });
});
