// No interception bypass: every spelling of a named host is intercepted, an SNI that disagrees
// with the CONNECT line is refused and recorded, and a Host header cannot switch hosts.
import diagnostics from 'node:diagnostics_channel';
import tls from 'node:tls';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DECISION_CHANNEL,
  TUNNEL_CHANNEL,
  type DecisionRecord,
  type TunnelRecord,
} from '../../../src/domain/record.js';
import { connectTunnel, proxiedAgent } from '../../helpers/clients.js';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';

let upstream: FakeUpstream;
let zdr: TestEgress;
const decisions: DecisionRecord[] = [];
const tunnels: TunnelRecord[] = [];
const onDecision = (m: unknown): void => void decisions.push(m as DecisionRecord);
const onTunnel = (m: unknown): void => void tunnels.push(m as TunnelRecord);

beforeAll(async () => {
  upstream = await startFakeUpstream();
  await upstream.server.forAnyRequest().thenReply(200, 'origin');
  zdr = await startTestEgress({
    resolve: [
      ...upstream.resolveFor('api.openai.com', 'chatgpt.com', 'www.example.test'),
      `127.0.0.2:443:127.0.0.1:${upstream.port}`,
    ],
    upstreamCa: [upstream.caFile],
  });
  diagnostics.subscribe(DECISION_CHANNEL, onDecision);
  diagnostics.subscribe(TUNNEL_CHANNEL, onTunnel);
});

afterAll(async () => {
  diagnostics.unsubscribe(DECISION_CHANNEL, onDecision);
  diagnostics.unsubscribe(TUNNEL_CHANNEL, onTunnel);
  await zdr?.stop();
  await upstream?.stop();
});

/** CONNECT `authority`, then a TLS handshake with `servername`; resolves with the issuer or the failure. */
async function handshake(
  authority: string,
  servername: string | undefined,
  ca: string,
): Promise<{ issuer?: string; error?: string }> {
  const t = await connectTunnel(zdr.proxyUrl, authority);
  if (t.status !== 200) return { error: `status ${t.status}` };
  return new Promise((resolve) => {
    const s = tls.connect({
      socket: t.socket,
      ca,
      ...(servername === undefined ? {} : { servername }),
      checkServerIdentity: () => undefined,
    });
    s.once('secureConnect', () => {
      resolve({ issuer: s.getPeerX509Certificate()?.issuer ?? '' });
      s.destroy();
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    s.once('close', () => resolve({ error: 'closed' }));
  });
}

const waitFor = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('interception cannot be bypassed', () => {
  it.each(['API.OPENAI.COM:443', 'api.openai.com.:443', 'Api.OpenAI.Com.:443'])(
    'intercepts the named host spelled %s',
    async (authority) => {
      const r = await handshake(authority, 'api.openai.com', zdr.caPem);
      expect(r.issuer).toContain('zdr-egress');
    },
  );

  it('intercepts a CONNECT whose SNI is absent, using the CONNECT host', async () => {
    const r = await handshake('api.openai.com:443', undefined, zdr.caPem);
    expect(r.issuer).toContain('zdr-egress');
  });

  it('refuses and records an SNI that names another host than the CONNECT line', async () => {
    decisions.length = 0;
    const r = await handshake('www.example.test:443', 'api.openai.com', upstream.caPem);
    expect(r.error).toBeDefined();
    const r2 = await handshake('api.openai.com:443', 'www.example.test', zdr.caPem);
    expect(r2.error).toBeDefined();
    await waitFor(() => decisions.filter((d) => d.reason === 'sni_mismatch').length >= 2);
    expect(decisions.filter((d) => d.reason === 'sni_mismatch').map((d) => d.host)).toEqual([
      'www.example.test',
      'api.openai.com',
    ]);
  });

  it('refuses an IP-literal CONNECT whose SNI names an AI host', async () => {
    const r = await handshake('127.0.0.2:443', 'api.openai.com', upstream.caPem);
    expect(r.error).toBeDefined();
  });

  it('normalises the SNI too: a differently spelled AI host on a tunnel CONNECT is refused', async () => {
    const r = await handshake('www.example.test:443', 'API.OpenAI.com.', upstream.caPem);
    expect(r.error).toBeDefined();
  });

  it('blocks a Host header that names another host inside an intercepted connection', async () => {
    decisions.length = 0;
    const res = await request('https://api.openai.com/v1/models', {
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
      headers: { host: 'chatgpt.com' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-zdr-egress-reason']).toBe('host_mismatch');
    await res.body.text();
  });

  it('refuses CONNECT to a port outside the allowed set with 403 and the reason header', async () => {
    const t = await connectTunnel(zdr.proxyUrl, 'api.openai.com:8443');
    expect(t.status).toBe(403);
    expect(t.headers['x-zdr-egress-reason']).toBe('port_not_allowed');
    const other = await connectTunnel(zdr.proxyUrl, 'www.example.test:25');
    expect(other.status).toBe(403);
  });

  it('publishes one decision per intercepted request and one tunnel event per raw tunnel', async () => {
    decisions.length = 0;
    tunnels.length = 0;
    const blocked = await request('https://chatgpt.com/', {
      dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
    });
    await blocked.body.text();
    const rawAgent = proxiedAgent(zdr.proxyUrl, upstream.caPem);
    const raw = await request('https://www.example.test/', { dispatcher: rawAgent });
    await raw.body.text();
    await rawAgent.close();
    await waitFor(() => decisions.length >= 1 && tunnels.length >= 1);
    expect(tunnels).toHaveLength(1);
    expect(tunnels[0]).toMatchObject({ host: 'www.example.test', port: 443 });
    expect(tunnels[0]?.bytesDown).toBeGreaterThan(0);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      host: 'chatgpt.com',
      action: 'block',
      reason: 'consumer_surface',
      status: 403,
      path: '/',
    });
    expect(decisions[0]?.id).toBe(blocked.headers['x-zdr-egress-decision-id']);
  });
});
