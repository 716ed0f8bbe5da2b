// Interception only for what the policy names; raw, undecrypted tunnels for the rest.
import type { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTunnel, curl, proxiedAgent } from '../../helpers/clients.js';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const OPENAI_KEY = 'sk-proj-interceptAAAAAAAAAAAAAAAAAAT3BlbkFJinterceptBBBBBBBBBBBBBBBB';

let upstream: FakeUpstream;
let zdr: TestEgress;
let caFile: string;
let completions: Awaited<ReturnType<ReturnType<FakeUpstream['server']['forPost']>['thenJson']>>;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  completions = await upstream.server
    .forPost('/v1/chat/completions')
    .thenJson(200, { id: 'chatcmpl-1', object: 'chat.completion' });
  await upstream.server.forAnyRequest().thenReply(200, 'origin says hi');
  zdr = await startTestEgress({
    resolve: upstream.resolveFor('api.openai.com', 'chatgpt.com', 'www.example.test', '127.0.0.1'),
    upstreamCa: [upstream.caFile],
    approve: [{ provider: 'openai', key: OPENAI_KEY }],
  });
  caFile = join(mkdtempSync(join(tmpdir(), 'zdr-ca-')), 'ca.pem');
  writeFileSync(caFile, zdr.caPem);
});

afterAll(async () => {
  await zdr?.stop();
  await upstream?.stop();
});

/** Opens CONNECT + TLS by hand and returns the certificate the client was shown. */
async function peerCertificate(authority: string, servername: string, ca: string): Promise<X509Certificate> {
  const tunnel = await connectTunnel(zdr.proxyUrl, authority);
  expect(tunnel.status).toBe(200);
  const socket = tls.connect({ socket: tunnel.socket, servername, ca });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const cert = socket.getPeerX509Certificate();
  socket.destroy();
  if (cert === undefined) throw new Error('no certificate');
  return cert;
}

describe('interception', () => {
  it('shows a leaf signed by our CA for a host the policy names', async () => {
    const cert = await peerCertificate('api.openai.com:443', 'api.openai.com', zdr.caPem);
    expect(cert.checkHost('api.openai.com')).toBe('api.openai.com');
    expect(cert.verify(new (await import('node:crypto')).X509Certificate(zdr.caPem).publicKey)).toBe(true);
  });

  it('tunnels any other host raw: the client sees the origin certificate, nothing is decrypted', async () => {
    const cert = await peerCertificate('www.example.test:443', 'www.example.test', upstream.caPem);
    expect(cert.issuer).toContain('fake upstream CA');
    const res = await request('https://www.example.test/hello', {
      dispatcher: proxiedAgent(zdr.proxyUrl, upstream.caPem),
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('origin says hi');
    expect(res.headers['x-zdr-egress-decision']).toBeUndefined();
  });

  it('forwards an approved request upstream unchanged, with the decision headers added', async () => {
    const res = await request('https://api.openai.com/v1/chat/completions?trace=1', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: {
        authorization: `Bearer ${OPENAI_KEY}`,
        'content-type': 'application/json',
        'x-custom': 'kept',
      },
      body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-zdr-egress-decision']).toBe('allow');
    expect(res.headers['x-zdr-egress-decision-id']).toMatch(/\S+/);
    await res.body.text();
    const req = (await completions.getSeenRequests()).at(-1);
    expect(req?.url).toContain('/v1/chat/completions?trace=1');
    expect(req?.headers['x-custom']).toBe('kept');
    expect(req?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(req?.headers.host).toBe('api.openai.com');
    expect(await req?.body.getJson()).toEqual({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('blocks a consumer chat site with 403 and the X-ZDR-Egress headers', async () => {
    const res = await request('https://chatgpt.com/', {
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { accept: 'text/html' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-zdr-egress-decision']).toBe('block');
    expect(res.headers['x-zdr-egress-reason']).toBe('consumer_surface');
    expect(res.headers['content-type']).toContain('text/html');
    expect(await res.body.text()).toContain('chatgpt.com');
  });

  it('works for curl with --cacert (a client we did not write)', async () => {
    const out = await curl(['-x', zdr.proxyUrl, '--cacert', caFile, '-i', 'https://chatgpt.com/']);
    expect(out.stdout).toMatch(/^HTTP\/\S+ 403/m);
    expect(out.stdout.toLowerCase()).toContain('x-zdr-egress-reason: consumer_surface');
    const raw = await curl(['-x', zdr.proxyUrl, '--cacert', upstream.caFile, 'https://www.example.test/']);
    expect(raw.stdout).toBe('origin says hi');
  });

  it('decides plain-HTTP absolute-form requests to named hosts through the same pipeline', async () => {
    const out = await curl(['-x', zdr.proxyUrl, '-i', 'http://chatgpt.com/']);
    expect(out.stdout).toMatch(/^HTTP\/1.1 403/m);
    expect(out.stdout.toLowerCase()).toContain('x-zdr-egress-reason: consumer_surface');
  });
});
