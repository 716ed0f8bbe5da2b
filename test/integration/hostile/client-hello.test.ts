// Broken ClientHellos inside a CONNECT tunnel to a named host. The proxy peeks at the hello before
// choosing to terminate TLS; a hello it cannot read could hide its SNI, so each of these must end
// in a clean close (never a raw tunnel, never a crash), and a slow hello must not hold a socket
// forever.
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
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

useRig((r) => (rig = r), { nothingForwarded: true });

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
  it.each(cases)('closes %s', async (_name, make) => {
    expectClosedSilently(await exchange(await tunnel(), make(), { halfClose: true }));
  });

  it('closes a truncated hello that goes silent, and a tunnel that never sends one, within the peek timeout', async () => {
    // Both wait on the same 10 s peek timer; they run side by side to keep the suite short.
    const [truncated, silent] = await Promise.all([
      exchange(await tunnel(), realHello.subarray(0, 40), { limitMs: 15_000 }),
      exchange(await tunnel(), Buffer.alloc(0), { limitMs: 15_000 }),
    ]);
    expectClosedSilently(truncated);
    expectClosedSilently(silent);
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
});
