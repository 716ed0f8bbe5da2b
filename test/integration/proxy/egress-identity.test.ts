// Egress safety, who may use the proxy, who they are, and how many connections they may hold.
import diagnostics from 'node:diagnostics_channel';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECISION_CHANNEL, type DecisionRecord } from '../../../src/domain/record.js';
import { hashPassword } from '../../../src/proxy/users-file.js';
import { connectTunnel, curl, proxiedAgent } from '../../helpers/clients.js';
import { preparePolicies, REPO_POLICIES, startTestEgress, type TestEgress } from '../../helpers/egress.js';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';

let upstream: FakeUpstream;
const decisions: DecisionRecord[] = [];
const onDecision = (m: unknown): void => void decisions.push(m as DecisionRecord);
const started: TestEgress[] = [];
const start = async (...args: Parameters<typeof startTestEgress>): Promise<TestEgress> => {
  const e = await startTestEgress(...args);
  started.push(e);
  return e;
};

beforeAll(async () => {
  upstream = await startFakeUpstream();
  await upstream.server.forAnyRequest().thenReply(200, 'origin');
  diagnostics.subscribe(DECISION_CHANNEL, onDecision);
});

afterAll(async () => {
  diagnostics.unsubscribe(DECISION_CHANNEL, onDecision);
  for (const e of started) await e.stop();
  await upstream?.stop();
});

describe('egress safety', () => {
  it('refuses a tunnel to a private or metadata address with 403 egress_denied, before any byte flows', async () => {
    const zdr = await start({});
    for (const authority of ['169.254.169.254:443', 'localhost:443', '[::1]:443', '10.0.0.1:443']) {
      const t = await connectTunnel(zdr.proxyUrl, authority);
      expect(t.status, authority).toBe(403);
      expect(t.headers['x-zdr-egress-reason'], authority).toBe('egress_denied');
    }
  });

  it('refuses an intercepted host that resolves to loopback, and says why', async () => {
    const policies = preparePolicies(REPO_POLICIES);
    writeFileSync(
      join(policies, 'catalog-local.yaml'),
      `version: 1
providers:
  - id: localai
    name: Local AI
    zdr: offered
    source: 'test fixture'
    hosts:
      - { names: [localhost], surface: api, source: 'test fixture' }
    credentials:
      sources: [{ header: authorization, scheme: bearer }]
    endpoints:
      - { id: localai.chat, name: Chat, methods: [POST], path: /v1/chat, zdr: eligible, source: 'test fixture' }
`,
    );
    const zdr = await start({ policiesFrom: policies, approve: [{ provider: 'localai', key: 'local-key' }] });
    const res = await request('https://localhost/v1/chat', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { authorization: 'Bearer local-key', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-zdr-egress-reason']).toBe('egress_denied');
    await res.body.text();
  });

  it('lets the operator allow-list what --resolve names (every other test relies on it)', async () => {
    const zdr = await start({
      resolve: upstream.resolveFor('www.example.test'),
      upstreamCa: [upstream.caFile],
    });
    const res = await request('https://www.example.test/', {
      dispatcher: proxiedAgent(zdr.proxyUrl, upstream.caPem),
    });
    expect(res.statusCode).toBe(200);
    await res.body.text();
  });
});

describe('who may use the proxy', () => {
  it('answers 403 client_not_allowed to an address outside client_allow (never an open proxy)', async () => {
    const zdr = await start({ config: { client_allow: ['10.0.0.0/8'] } });
    const out = await curl(['-i', '-x', zdr.proxyUrl, 'http://www.example.test/']);
    expect(out.stdout).toMatch(/^HTTP\/1.1 403/);
    expect(out.stdout.toLowerCase()).toContain('x-zdr-egress-reason: client_not_allowed');
  });

  it('answers 429 past the per-client connection limit', async () => {
    const zdr = await start({ config: { max_connections_per_client: 3 } });
    const { hostname, port } = new URL(zdr.proxyUrl);
    const held = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<net.Socket>((r) => {
            const s = net.connect(Number(port), hostname, () => r(s));
          }),
      ),
    );
    const extra = net.connect(Number(port), hostname);
    const answer = await new Promise<string>((r) => {
      let text = '';
      extra.on('data', (c: Buffer) => (text += c.toString()));
      extra.on('close', () => r(text));
    });
    expect(answer).toMatch(/^HTTP\/1.1 429/);
    for (const s of held) s.destroy();
  });
});

describe('identity', () => {
  const usersFile = (): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'zdr-users-')), 'users.yaml');
    writeFileSync(
      file,
      `version: 1\nusers:\n  - name: alice\n    scrypt: "${hashPassword('correct horse battery')}"\n`,
    );
    return file;
  };

  it('answers 407 with Proxy-Authenticate until the client authenticates, then records the user', async () => {
    const zdr = await start({ config: { users_file: usersFile() } });
    const noAuth = await connectTunnel(zdr.proxyUrl, 'chatgpt.com:443');
    expect(noAuth.status).toBe(407);
    expect(noAuth.headers['proxy-authenticate']).toMatch(/^Basic realm="zdr-egress"/);
    const wrong = await curl(['-i', '-x', zdr.proxyUrl, '-U', 'alice:wrong password', 'http://chatgpt.com/']);
    expect(wrong.stdout).toMatch(/^HTTP\/1.1 407/);
    decisions.length = 0;
    const ok = await curl([
      '-i',
      '-x',
      zdr.proxyUrl,
      '-U',
      'alice:correct horse battery',
      'http://chatgpt.com/',
    ]);
    expect(ok.stdout).toMatch(/^HTTP\/1.1 403/);
    expect(ok.stdout.toLowerCase()).toContain('x-zdr-egress-reason: consumer_surface');
    expect(decisions.at(-1)).toMatchObject({ host: 'chatgpt.com', user: 'alice' });
  });

  it('maps a client address range to a user for apps that cannot answer a 407', async () => {
    const zdr = await start({ config: { users_by_cidr: { '127.0.0.0/8': 'lab-desktop' } } });
    decisions.length = 0;
    const res = await request('https://chatgpt.com/', { dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem) });
    await res.body.text();
    for (let i = 0; i < 50 && decisions.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(decisions.at(-1)).toMatchObject({ host: 'chatgpt.com', user: 'lab-desktop' });
  });
});

describe('fail closed', () => {
  it('blocks intercepted AI requests with internal_error when classification throws, while raw tunnels keep working', async () => {
    process.env.ZDR_EGRESS_TEST_FAULT = 'classify';
    let zdr: TestEgress;
    try {
      zdr = await start({
        resolve: upstream.resolveFor('api.openai.com', 'www.example.test'),
        upstreamCa: [upstream.caFile],
      });
    } finally {
      delete process.env.ZDR_EGRESS_TEST_FAULT;
    }
    const ai = await request('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { authorization: 'Bearer sk-anything', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ai.statusCode).toBe(403);
    expect(ai.headers['x-zdr-egress-reason']).toBe('internal_error');
    expect(await ai.body.text()).not.toContain('injected fault');
    const raw = await request('https://www.example.test/', {
      dispatcher: proxiedAgent(zdr.proxyUrl, upstream.caPem),
    });
    expect(raw.statusCode).toBe(200);
    expect(await raw.body.text()).toBe('origin');
  });
});

describe('limits', () => {
  it('answers 431 to more header lines than it will inspect, and to an oversized header block', async () => {
    const zdr = await start({});
    const many = Array.from({ length: 300 }, (_, i) => ['-H', `x-h${i}: v`]).flat();
    const out = await curl(['-i', '-x', zdr.proxyUrl, ...many, 'http://chatgpt.com/']);
    expect(out.stdout).toMatch(/^HTTP\/1.1 431/);
    const big = await curl([
      '-i',
      '-x',
      zdr.proxyUrl,
      '-H',
      `x-big: ${'a'.repeat(20_000)}`,
      'http://chatgpt.com/',
    ]);
    expect(big.stdout).toMatch(/^HTTP\/1.1 431/);
  });

  it('closes a client that trickles its headers past the headers timeout', async () => {
    const zdr = await start({ config: { headers_timeout: '1s' } });
    const { hostname, port } = new URL(zdr.proxyUrl);
    const s = net.connect(Number(port), hostname);
    s.write('GET http://chatgpt.com/ HTTP/1.1\r\nhost: chatgpt.com\r\n');
    const timer = setInterval(() => s.write('x-slow: 1\r\n'), 200);
    const answer = await new Promise<string>((r) => {
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('close', () => r(text));
      s.on('error', () => r(text));
    });
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
  }, 15_000);
});
