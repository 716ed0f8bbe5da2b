import { X509Certificate } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parsePlist } from 'plist';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';

let zdr: TestEgress;
beforeAll(async () => {
  zdr = await startTestEgress({ config: { public_address: 'egress.corp.example:3128' } });
});
afterAll(() => zdr?.stop());

const get = async (path: string) => {
  const res = await request(zdr.adminUrl + path);
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
};

describe('admin surface', () => {
  it('answers /healthz and /readyz with the policy version and decision-log state', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    const body = JSON.parse(ready.body.toString()) as {
      ready: boolean;
      policy: { version: string };
      decision_log: { writable: boolean };
    };
    expect(body.ready).toBe(true);
    expect(body.policy.version).toBe(zdr.egress.policyVersion());
    expect(body.decision_log.writable).toBe(true);
  });

  it('serves the CA as PEM, DER and an Apple configuration profile', async () => {
    const pem = await get('/ca.pem');
    expect(pem.body.toString()).toBe(zdr.caPem.trim() + '\n');
    const der = await get('/ca.crt');
    expect(new X509Certificate(der.body).fingerprint256).toBe(zdr.egress.caFingerprint);
    const profile = parsePlist((await get('/ca.mobileconfig')).body.toString()) as { PayloadType: string };
    expect(profile.PayloadType).toBe('Configuration');
  });

  it('serves a PAC file naming the advertised proxy for AI hosts', async () => {
    const pac = await get('/proxy.pac');
    expect(pac.headers['content-type']).toBe('application/x-ns-proxy-autoconfig');
    expect(pac.body.toString()).toContain('PROXY egress.corp.example:3128');
    expect(pac.body.toString()).toContain('"api.openai.com":1');
  });

  it('answers 404 for anything else and 405 for writes', async () => {
    expect((await get('/nope')).status).toBe(404);
    const res = await request(zdr.adminUrl + '/healthz', { method: 'POST' });
    expect(res.statusCode).toBe(405);
    await res.body.text();
  });
});
