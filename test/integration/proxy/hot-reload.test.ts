// Editing the policy under a running proxy takes effect within about a second, on the very
// connection that is already open: nothing is dropped. A broken edit keeps the last good policy.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { parseDocument } from 'yaml';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectTunnel } from '../../helpers/clients.js';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';

let upstream: FakeUpstream;
let zdr: TestEgress;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  await upstream.server.forAnyRequest().thenReply(200, 'chatgpt origin');
  zdr = await startTestEgress({ resolve: upstream.resolveFor('chatgpt.com'), upstreamCa: [upstream.caFile] });
});

afterAll(async () => {
  await zdr?.stop();
  await upstream?.stop();
});

/** One HTTP/1.1 request on an already open TLS socket; resolves with the status code. */
function ask(socket: tls.TLSSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      if (head < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, head))?.[1] ?? 0);
      if (text.length - head - 4 < length) return;
      socket.off('data', onData);
      resolve(Number(text.slice(9, 12)));
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write('GET / HTTP/1.1\r\nhost: chatgpt.com\r\naccept: application/json\r\n\r\n');
  });
}

it('applies an edit within a second on the open connection, and keeps the last good policy after a broken edit', async () => {
  const t = await connectTunnel(zdr.proxyUrl, 'chatgpt.com:443');
  const socket = tls.connect({ socket: t.socket, servername: 'chatgpt.com', ca: zdr.caPem });
  await new Promise((r) => socket.once('secureConnect', r));
  expect(await ask(socket)).toBe(403);
  const before = zdr.egress.policyVersion();

  const file = join(zdr.dirs.policies, 'policy.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['settings', 'overrides', 'openai.chatgpt.com'], doc.createNode({ enabled: false }));
  writeFileSync(file, doc.toString());
  const started = Date.now();
  let status = 403;
  while (status === 403 && Date.now() - started < 5000) {
    await new Promise((r) => setTimeout(r, 100));
    status = await ask(socket);
  }
  expect(status).toBe(200);
  expect(zdr.egress.policyVersion()).not.toBe(before);
  expect(socket.destroyed).toBe(false);

  writeFileSync(file, 'version: 1\nsettings: [this is not valid\n');
  await new Promise((r) => setTimeout(r, 600));
  expect(await ask(socket)).toBe(200); // the last good policy still decides
  const ready = await request(`${zdr.adminUrl}/readyz`);
  const body = (await ready.body.json()) as { policy: { reload_errors: string[] } };
  expect(body.policy.reload_errors.join('\n')).toMatch(/policy\.yaml:\d+: /);
  socket.destroy();
});
