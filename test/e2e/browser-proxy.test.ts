// A real browser through the real proxy: headless Chromium with --proxy-server and our CA trusted by
// its SPKI hash opens chatgpt.com and claude.ai (mapped to a local fake by --resolve, which must never
// be reached) and shows the block page; the decision id on the page is the one in the response header
// and in the pino line. A policy override to `action: warn` shows the coach page instead.
// The proxy signs with an imported intermediate: Chromium's SPKI flag only matches certificates the
// server sends, and under zdr-egress's own root that is the leaf alone (see intermediateCertsDir).
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { artifactPath, launchChromium, recordRequests } from '../helpers/browser.js';
import { REPO_POLICIES, startTestEgress, type TestEgress } from '../helpers/egress.js';
import { decisionLine, intermediateCertsDir, startFakeProvider, type FakeProvider } from '../helpers/sdk.js';

const SITES = ['chatgpt.com', 'claude.ai'];

let fake: FakeProvider;

beforeAll(async () => {
  fake = await startFakeProvider();
  await fake.upstream.server
    .forAnyRequest()
    .always()
    .thenReply(200, '<!doctype html><title>fake origin</title><p>the fake origin was reached</p>', {
      'content-type': 'text/html',
    });
});

afterAll(async () => {
  await fake?.upstream.stop();
});

beforeEach(() => {
  fake.seen.length = 0;
});

/** Chromium sending everything to `zdr` and trusting its CA by SPKI hash, nothing else. */
async function browserThrough(zdr: TestEgress): Promise<Browser> {
  return launchChromium([
    `--proxy-server=${zdr.proxyUrl}`,
    `--ignore-certificate-errors-spki-list=${zdr.egress.caSpki}`,
  ]);
}

/** Navigates and returns the main document's response (status and headers as the browser got them). */
async function open(page: Page, url: string): Promise<Response> {
  const responses: Response[] = [];
  page.on('response', (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) responses.push(r);
  });
  await page.goto(url);
  const main = responses.at(-1);
  if (main === undefined) throw new Error(`no navigation response for ${url}`);
  return main;
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent())?.trim() ?? '';
}

describe('Chromium through zdr-egress: consumer AI sites show the block page', () => {
  let zdr: TestEgress;
  let browser: Browser;

  beforeAll(async () => {
    zdr = await startTestEgress({
      resolve: fake.upstream.resolveFor(...SITES),
      upstreamCa: [fake.upstream.caFile],
      certsDir: intermediateCertsDir(),
    });
    browser = await browserThrough(zdr);
  });

  afterAll(async () => {
    await browser?.close();
    await zdr?.stop();
  });

  it.each([
    { host: 'chatgpt.com', artifact: 'proxy-chatgpt.png' },
    { host: 'claude.ai', artifact: 'proxy-claude.png' },
  ])('blocks https://$host/ with the reason and one decision id everywhere', async ({ host, artifact }) => {
    const page = await browser.newPage();
    try {
      const requests = recordRequests(page);
      const res = await open(page, `https://${host}/`);
      expect(res.status()).toBe(403);
      const headers = res.headers();
      expect(headers['x-zdr-egress-decision']).toBe('block');
      expect(headers['x-zdr-egress-reason']).toBe('consumer_surface');
      const id = headers['x-zdr-egress-decision-id'] ?? '';
      expect(id).toMatch(/\S/);

      expect(await text(page, 'h1')).toBe("This AI service isn't approved for company data");
      expect(await text(page, '.site strong')).toBe(host);
      expect(await text(page, 'code.decision-id')).toBe(id);
      expect(await page.locator('footer').textContent()).toContain('consumer_surface');
      await page.screenshot({ path: artifactPath(artifact), fullPage: true });

      const line = await decisionLine(zdr, id);
      expect(line).toMatchObject({ host, action: 'block', reason: 'consumer_surface', status: 403 });
      // The page loads nothing else (no favicon from the blocked host), and the origin was never asked.
      expect(requests).toEqual([`https://${host}/`]);
      expect(fake.seen).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('Chromium through zdr-egress: a warn override shows the coach page', () => {
  let zdr: TestEgress;
  let browser: Browser;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zdr-policies-warn-'));
    cpSync(REPO_POLICIES, dir, { recursive: true });
    const file = join(dir, 'policy.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    doc.setIn(['settings', 'overrides', 'openai.chatgpt.com'], doc.createNode({ action: 'warn' }));
    writeFileSync(file, doc.toString());
    zdr = await startTestEgress({
      resolve: fake.upstream.resolveFor(...SITES),
      upstreamCa: [fake.upstream.caFile],
      policiesFrom: dir,
      certsDir: intermediateCertsDir(),
    });
    browser = await browserThrough(zdr);
  });

  afterAll(async () => {
    await browser?.close();
    await zdr?.stop();
  });

  it('shows chatgpt.com the coach page with a Continue button, and the origin is not reached', async () => {
    const page = await browser.newPage();
    try {
      const res = await open(page, 'https://chatgpt.com/');
      await page.screenshot({ path: artifactPath('proxy-chatgpt-warn.png'), fullPage: true });
      expect(res.status()).toBe(403);
      const id = res.headers()['x-zdr-egress-decision-id'] ?? '';
      expect(await decisionLine(zdr, id)).toMatchObject({ host: 'chatgpt.com', action: 'warn' });
      // The decision is warn (above); the browser must get the coach page, not the block page.
      expect(res.headers()['x-zdr-egress-decision'], 'page kind the proxy rendered').toBe('warn');
      expect(await text(page, 'h1')).toBe('Check before you share company data');
      expect(await page.getByRole('button', { name: 'Continue to chatgpt.com' }).count()).toBe(1);
      expect(await text(page, 'code.decision-id')).toBe(id);
      expect(fake.seen).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('lets the user continue: the click is recorded as coach_continue and the site then loads', async () => {
    const page = await browser.newPage();
    try {
      await open(page, 'https://chatgpt.com/');
      const [after] = await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Continue to chatgpt.com' }).click(),
      ]);
      const lines = zdr.logLines().filter((l) => l.msg === 'decision' && l.host === 'chatgpt.com');
      expect(
        lines.some((l) => l.method === 'POST' && l.reason === 'coach_continue' && l.status === 303),
      ).toBe(true);
      expect(after?.headers()['x-zdr-egress-decision']).toBe('allow');
      expect(fake.seen.some((r) => r.url.includes('chatgpt.com'))).toBe(true);
      await page.screenshot({ path: artifactPath('proxy-chatgpt-continued.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('still blocks claude.ai, whose rule was not overridden', async () => {
    const page = await browser.newPage();
    try {
      const res = await open(page, 'https://claude.ai/');
      expect(res.status()).toBe(403);
      expect(res.headers()['x-zdr-egress-decision']).toBe('block');
      expect(fake.seen).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
