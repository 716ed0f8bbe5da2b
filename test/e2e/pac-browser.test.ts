// The PAC file as a browser and a PAC engine use it: headless Chromium configured only with
// --proxy-pac-url pointing at the live admin sends claude.ai to the proxy (block page) and loads an
// ordinary site DIRECT; and the /proxy.pac the admin serves, evaluated by pac-resolver in QuickJS,
// sends every host the shipped policy names to the proxy and nothing else.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPacResolver } from 'pac-resolver';
import type { Browser } from 'playwright-core';
import { QuickJS } from 'quickjs-wasi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyDir } from '../../src/policy/load.js';
import { artifactPath, launchChromium, recordRequests } from '../helpers/browser.js';
import { REPO_POLICIES, startTestEgress, type TestEgress } from '../helpers/egress.js';
import { decisionLine, intermediateCertsDir, startFakeProvider, type FakeProvider } from '../helpers/sdk.js';

let fake: FakeProvider;
let zdr: TestEgress;
let site: http.Server;
let siteRequests: { url: string; host: string }[];
let sitePort: number;
let proxyAddress: string;

beforeAll(async () => {
  fake = await startFakeProvider();
  await fake.upstream.server.forAnyRequest().always().thenReply(200, 'the fake origin was reached');
  zdr = await startTestEgress({
    resolve: fake.upstream.resolveFor('claude.ai'),
    upstreamCa: [fake.upstream.caFile],
    certsDir: intermediateCertsDir(),
  });
  proxyAddress = new URL(zdr.proxyUrl).host;
  siteRequests = [];
  site = http.createServer((req, res) => {
    siteRequests.push({ url: req.url ?? '', host: req.headers.host ?? '' });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      '<!doctype html><title>site.test</title><link rel="icon" href="data:,"><h1>Hello from site.test</h1>',
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  sitePort = (site.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  await zdr?.stop();
  await fake?.upstream.stop();
});

describe('Chromium with --proxy-pac-url from the admin', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium([
      `--proxy-pac-url=${zdr.adminUrl}/proxy.pac`,
      `--ignore-certificate-errors-spki-list=${zdr.egress.caSpki}`,
      '--host-resolver-rules=MAP site.test 127.0.0.1',
    ]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('sends claude.ai to the proxy, which shows the block page', async () => {
    const page = await browser.newPage();
    try {
      const res = await page.goto('https://claude.ai/');
      expect(res?.status()).toBe(403);
      expect(await res?.serverAddr()).toMatchObject({ port: Number(new URL(zdr.proxyUrl).port) });
      const id = (await res?.headerValue('x-zdr-egress-decision-id')) ?? '';
      expect(await res?.headerValue('x-zdr-egress-reason')).toBe('consumer_surface');
      expect(await page.locator('h1').textContent()).toBe("This AI service isn't approved for company data");
      expect(await page.locator('code.decision-id').textContent()).toBe(id);
      await page.screenshot({ path: artifactPath('pac-claude.png'), fullPage: true });
      expect(await decisionLine(zdr, id)).toMatchObject({ host: 'claude.ai', action: 'block' });
      expect(fake.seen).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('loads another site DIRECT: the site answers the browser itself and the proxy logs nothing', async () => {
    const page = await browser.newPage();
    try {
      const before = zdr.logText().length;
      const requests = recordRequests(page);
      const url = `http://site.test:${sitePort}/`;
      const res = await page.goto(url);
      expect(res?.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toBe('Hello from site.test');
      // DIRECT: the browser's socket went to the site's own port, in origin form, not via the proxy.
      expect(await res?.serverAddr()).toEqual({ ipAddress: '127.0.0.1', port: sitePort });
      expect(siteRequests).toEqual([{ url: '/', host: `site.test:${sitePort}` }]);
      expect(requests).toEqual([url]);
      expect(zdr.logText().slice(before)).not.toContain('site.test');
      await page.screenshot({ path: artifactPath('pac-direct-site.png') });
    } finally {
      await page.close();
    }
  });
});

/** A concrete host for a catalog pattern: each `*` becomes one label or label part, as a region would. */
const instance = (pattern: string): string => pattern.replaceAll('*', 'us-east-1');

describe('/proxy.pac from the live admin, evaluated by pac-resolver', () => {
  let find: (url: string) => Promise<string>;
  let named: readonly string[];

  beforeAll(async () => {
    const res = await fetch(`${zdr.adminUrl}/proxy.pac`);
    expect(res.headers.get('content-type')).toBe('application/x-ns-proxy-autoconfig');
    const resolver = createPacResolver(await QuickJS.create(), await res.text());
    find = (url) => resolver(url);
    const loaded = loadPolicyDir(REPO_POLICIES, {});
    if (!loaded.ok) throw new Error('the shipped policy does not load');
    named = loaded.policy.namedHosts;
  });

  it('advertises the running proxy for the consumer and API hosts an employee would use', async () => {
    for (const url of [
      'https://chatgpt.com/',
      'https://chat.openai.com/',
      'https://claude.ai/new',
      'https://api.openai.com/v1/chat/completions',
      'https://api.anthropic.com/v1/messages',
      'https://gemini.google.com/app',
      'https://generativelanguage.googleapis.com/v1beta/models',
      'https://files.oaiusercontent.com/file-1',
      'https://CHATGPT.COM./',
    ]) {
      expect(await find(url), url).toBe(`PROXY ${proxyAddress}`);
    }
  });

  it('sends every host pattern the shipped policy names to the proxy', async () => {
    const direct: string[] = [];
    for (const pattern of named) {
      if ((await find(`https://${instance(pattern)}/`)) !== `PROXY ${proxyAddress}`) direct.push(pattern);
    }
    expect(direct, 'named in the policy, but the PAC sends them DIRECT').toEqual([]);
  });

  it.each([
    'https://www.example.com/',
    'https://openai.com.evil.test/',
    'https://notchatgpt.com/',
    'https://chatgpt.com.example.net/',
    'http://intranet/',
    'http://site.test/',
  ])('sends %s DIRECT', async (url) => {
    expect(await find(url)).toBe('DIRECT');
  });
});
