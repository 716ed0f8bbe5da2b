// Slow-loris clients: a header block trickled a byte at a time must not hold a socket beyond the
// configured headers timeout (1 s here), on the proxy port and inside an intercepted connection.
// The bound checked is generous (the timeout plus a few seconds of check interval); what must never
// happen is a socket held open for as long as the client keeps trickling.
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { interceptedSocket, rawProxySocket, useRig, type RawReply, type Rig } from './rig.js';

let rig: Rig;
const HEADERS_TIMEOUT_MS = 1_000;
/** How long a trickling client may keep its socket: the timeout and a few seconds of slack. */
const BOUND_MS = HEADERS_TIMEOUT_MS + 5_000;

useRig((r) => (rig = r), { config: { headers_timeout: '1s' }, nothingForwarded: true });

/** Writes `head`, then one more header byte every 100 ms until the peer closes or the bound passes. */
function trickle(socket: net.Socket, head: string): Promise<RawReply> {
  return new Promise((resolve) => {
    let text = '';
    let settled = false;
    const settle = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearInterval(drip);
      clearTimeout(bound);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : null, closed });
      socket.destroy();
    };
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.once('close', () => settle(true));
    socket.write(head);
    const drip = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write('a');
    }, 100);
    const bound = setTimeout(() => settle(false), BOUND_MS);
  });
}

function expectTimedOut(reply: RawReply): void {
  expect(reply.closed, `still open after ${BOUND_MS} ms of trickling`).toBe(true);
  if (reply.status !== null) expect(reply.status).toBe(408);
}

describe('slow-loris clients', () => {
  it('closes a plain-HTTP request whose headers trickle in, with 408', async () => {
    const s = await rawProxySocket(rig);
    expectTimedOut(
      await trickle(s, 'GET http://www.example.test/ HTTP/1.1\r\nhost: www.example.test\r\nx-slow: '),
    );
  }, 15_000);

  it('closes a CONNECT whose headers trickle in, with 408', async () => {
    const s = await rawProxySocket(rig);
    expectTimedOut(
      await trickle(s, 'CONNECT api.openai.com:443 HTTP/1.1\r\nhost: api.openai.com:443\r\nx-slow: '),
    );
  }, 15_000);

  it('closes a request line that trickles in', async () => {
    const s = await rawProxySocket(rig);
    expectTimedOut(await trickle(s, 'GET http://www.example.test/'));
  }, 15_000);

  it('closes a request whose headers trickle in inside an intercepted connection', async () => {
    const s = await interceptedSocket(rig);
    expectTimedOut(await trickle(s, 'GET /v1/models/x HTTP/1.1\r\nhost: api.openai.com\r\nx-slow: '));
  }, 15_000);

  it('closes an idle keep-alive connection that starts a second request and trickles it', async () => {
    const s = await interceptedSocket(rig);
    s.write('GET /v1/models/first HTTP/1.1\r\nhost: api.openai.com\r\n\r\n');
    await new Promise<void>((r) => s.once('data', () => r()));
    rig.clearSeen();
    expectTimedOut(await trickle(s, 'GET /v1/models/x HTTP/1.1\r\nhost: api.openai.com\r\nx-slow: '));
  }, 15_000);
});
