// The block and warn pages in a real browser: headless Chromium loads them from a local server and we
// check what an employee sees (host, reason, decision id, the way out), that nothing loads from another
// origin, that a phone shows it without sideways scrolling, contrast, focus, and that Continue posts.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Decision } from '../../src/domain/decision.js';
import type { RuleId } from '../../src/domain/facts.js';
import { parseBlockPageConfig, type BlockPageConfig } from '../../src/block/config.js';
import { renderBlock, renderConnectRefusal, type BlockInput } from '../../src/block/render.js';
import {
  artifactPath,
  computedStyle,
  focusedElement,
  horizontalOverflow,
  launchChromium,
  recordRequests,
  worstContrast,
} from '../helpers/browser.js';

// The logo must arrive as data: and must not count as a request to another origin.
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="32" viewBox="0 0 96 32">' +
  '<rect width="32" height="32" rx="7" fill="#0f766e"/><path d="M9 23l7-14 7 14z" fill="#fff"/>' +
  '<text x="40" y="22" font-family="Arial,sans-serif" font-size="17" font-weight="700" fill="#0f766e">ACME</text></svg>';
const LOGO = `data:image/svg+xml;base64,${Buffer.from(LOGO_SVG).toString('base64')}`;

const parsed = parseBlockPageConfig({
  organization: 'Acme Corp',
  alternative_url: 'https://ai.acme.example/',
  alternative_label: 'Open Acme AI Assistant',
  contact: 'it-help@acme.example',
});
if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
const CONFIG: BlockPageConfig = parsed.config;

const blockDecision: Decision = {
  action: 'block',
  reason: 'consumer_surface',
  ruleId: 'catalog.openai.chatgpt' as RuleId,
  explanation: 'ChatGPT on chatgpt.com keeps your conversations, so company data must not go there',
  remedy: 'Use Acme AI Assistant, which runs on an approved zero-retention account',
  inject: [],
};
const warnDecision: Decision = {
  ...blockDecision,
  action: 'warn',
  reason: 'provider_not_zdr',
  ruleId: 'coach.perplexity' as RuleId,
  explanation: 'Perplexity may keep what you type for up to 30 days',
  remedy: 'For anything involving company data, use Acme AI Assistant instead',
};

const HOSTILE_HOST = 'chatgpt.com"><script>alert(1)</script>';
const LONG_PATH = `/backend-api/conversation/${'a'.repeat(150)}/<img src=x onerror=alert(2)>`;

interface Served {
  readonly url: string;
  readonly continues: string[];
}

let server: http.Server;
let served: Served;
let browser: Browser;

function inputFor(pathname: string): { input: BlockInput; config: BlockPageConfig } {
  const base = {
    decisionId: 'dec_01JZX4Q8T5M2N7',
    provider: 'openai',
    surface: 'consumer',
    wantsHtml: true,
  } as const;
  switch (pathname) {
    case '/warn':
      return {
        input: {
          ...base,
          decision: warnDecision,
          host: 'www.perplexity.ai',
          path: '/',
          continueUrl: '/__zdr/continue?t=abc',
        },
        config: { ...CONFIG, logoDataUri: LOGO },
      };
    case '/hostile':
      return {
        input: { ...base, decision: blockDecision, host: HOSTILE_HOST, path: LONG_PATH },
        config: CONFIG,
      };
    default:
      return { input: { ...base, decision: blockDecision, host: 'chatgpt.com', path: '/' }, config: CONFIG };
  }
}

beforeAll(async () => {
  const continues: string[] = [];
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/__zdr/continue') {
      continues.push(`${req.method ?? ''} ${req.url ?? ''}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('continued');
      return;
    }
    const { input, config } = inputFor(url.pathname);
    const out = renderBlock(input, config);
    res.writeHead(out.status, out.headers).end(out.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  served = { url: `http://127.0.0.1:${port}`, continues };
  browser = await launchChromium([]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

async function open(path: string, viewport: { width: number; height: number }, dark = false) {
  const context = await browser.newContext({ viewport, colorScheme: dark ? 'dark' : 'light' });
  const page = await context.newPage();
  const requests = recordRequests(page);
  const problems: string[] = [];
  // The 403 of the page itself is logged by Chromium; anything else (a CSP violation...) is a problem.
  page.on('console', (msg) => {
    if (!msg.text().includes('status of 403')) problems.push(msg.text());
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  const response = await page.goto(`${served.url}${path}`);
  return { context, page, requests, problems, status: response?.status() };
}

describe('block page in headless Chromium', () => {
  it('shows the blocked host, the reason, the way out and the decision id, loading nothing else', async () => {
    const { context, page, requests, problems, status } = await open('/', { width: 1280, height: 800 });
    expect(status).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      "This AI service isn't approved for company data",
    );
    const main = page.getByRole('main');
    await expect(main.textContent()).resolves.toContain('chatgpt.com');
    await expect(main.textContent()).resolves.toContain('keeps your conversations');
    await expect(page.locator('code.decision-id').textContent()).resolves.toBe('dec_01JZX4Q8T5M2N7');
    const alternative = page.getByRole('link', { name: 'Open Acme AI Assistant' });
    await expect(alternative.getAttribute('href')).resolves.toBe('https://ai.acme.example/');
    await expect(page.getByRole('link', { name: 'it-help@acme.example' }).getAttribute('href')).resolves.toBe(
      'mailto:it-help@acme.example',
    );
    await expect(page.getByRole('contentinfo').textContent()).resolves.toContain('consumer_surface');
    // The stylesheet applied despite default-src 'none' (its hash is in the CSP), and nothing complained.
    await expect(computedStyle(page, 'main', 'border-top-width')).resolves.not.toBe('0px');
    expect(problems).toEqual([]);
    expect(requests).toEqual([`${served.url}/`]);
    await page.screenshot({ path: artifactPath('block-page-desktop.png'), fullPage: true });
    await context.close();
  });

  it('fits a phone screen without sideways scrolling, even with a long hostile address', async () => {
    const { context, page, problems } = await open('/hostile', { width: 390, height: 844 });
    await expect(horizontalOverflow(page)).resolves.toBeLessThanOrEqual(0);
    // The hostile host and path are shown as text, never run.
    await expect(page.locator('script').count()).resolves.toBe(0);
    await expect(page.getByRole('main').textContent()).resolves.toContain(HOSTILE_HOST);
    expect(problems).toEqual([]);
    await page.screenshot({ path: artifactPath('block-page-phone.png'), fullPage: true });
    await context.close();
  });

  it('keeps text contrast at WCAG AA (4.5:1) in light and dark mode', async () => {
    for (const dark of [false, true]) {
      for (const path of ['/', '/warn']) {
        const { context, page } = await open(path, { width: 1280, height: 800 }, dark);
        const worst = await worstContrast(page);
        expect(worst.ratio, `${path} dark=${dark} ${worst.where}`).toBeGreaterThanOrEqual(4.5);
        if (dark && path === '/')
          await page.screenshot({ path: artifactPath('block-page-dark.png'), fullPage: true });
        await context.close();
      }
    }
  });

  it('shows a visible focus ring on the first link reached with the keyboard', async () => {
    const { context, page } = await open('/', { width: 1280, height: 800 });
    await page.keyboard.press('Tab');
    const focused = await focusedElement(page);
    expect(focused.text).toBe('Open Acme AI Assistant');
    expect(parseFloat(focused.outlineWidth)).toBeGreaterThanOrEqual(2);
    await context.close();
  });
});

describe('warn page in headless Chromium', () => {
  it('explains the risk, offers the alternative and posts Continue to the same origin', async () => {
    const { context, page, requests, problems, status } = await open('/warn', { width: 1280, height: 800 });
    expect(status).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Check before you share company data',
    );
    await expect(page.getByRole('main').textContent()).resolves.toContain('may keep what you type');
    await expect(page.getByRole('link', { name: 'Open Acme AI Assistant' }).count()).resolves.toBe(1);
    await expect(page.getByRole('img', { name: 'Acme Corp' }).count()).resolves.toBe(1);
    await page.screenshot({ path: artifactPath('warn-page-desktop.png'), fullPage: true });

    await page.getByRole('button', { name: 'Continue to www.perplexity.ai' }).click();
    await page.waitForURL(`${served.url}/__zdr/continue?t=abc`);
    expect(served.continues).toEqual(['POST /__zdr/continue?t=abc']);
    expect(requests.every((url) => url.startsWith(`${served.url}/`))).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('fits a phone screen', async () => {
    const { context, page } = await open('/warn', { width: 390, height: 844 });
    await expect(horizontalOverflow(page)).resolves.toBeLessThanOrEqual(0);
    await page.screenshot({ path: artifactPath('warn-page-phone.png'), fullPage: true });
    await context.close();
  });
});

describe('CONNECT refused before interception, in headless Chromium', () => {
  it('shows the browser its own generic tunnel error (no page can be shown without decryption)', async () => {
    const proxy = http.createServer((_req, res) => res.writeHead(500).end());
    const refused: string[] = [];
    proxy.on('connect', (req: http.IncomingMessage, socket: Socket) => {
      refused.push(req.url ?? '');
      const out = renderConnectRefusal('connect_refused', 'dec_connect_1');
      const head = Object.entries(out.headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.end(`HTTP/1.1 ${out.status} Forbidden\r\n${head.join('')}\r\n${out.body}`);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    const viaProxy = await launchChromium([
      `--proxy-server=http://127.0.0.1:${port}`,
      '--proxy-bypass-list=<-loopback>',
    ]);
    try {
      const page = await viaProxy.newPage();
      const error = await page.goto('https://desktop.chatgpt.com/').then(
        () => '',
        (e: unknown) => String(e),
      );
      expect(error).toContain('net::ERR_TUNNEL_CONNECTION_FAILED');
      // Chromium retries a failed tunnel; nothing else went through the proxy.
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused)).toEqual(new Set(['desktop.chatgpt.com:443']));
    } finally {
      await viaProxy.close();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
