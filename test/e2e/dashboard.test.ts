// The reports dashboard in headless Chromium, over a seeded decision log: the page loads with no
// request to any other origin, the chart plots the seeded counts, a filter changes the table, the
// why view explains a decision, and hostile hosts/paths stay inert text. Screenshots go to
// test-artifacts/ for a human look.

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardHandler } from '../../src/admin/dashboard/index.js';
import { HOUR, floorTo } from '../../src/decision-log/buckets.js';
import type { Action } from '../../src/domain/decision.js';
import type { ReasonCode } from '../../src/domain/reason.js';
import type { DecisionRecord } from '../../src/domain/record.js';
import {
  artifactPath,
  horizontalOverflow,
  launchChromium,
  recordRequests,
  worstContrast,
} from '../helpers/browser.js';
import { record } from '../unit/decision-log/records.js';
import { seedLog } from '../unit/decision-log/seed.js';

const NOW = Date.UTC(2025, 5, 15, 14, 20, 0);
const XSS_HOST = '<img src=x onerror="window.__pwned=1">.evil.example';
const XSS_PATH = '/</td><script>window.__pwned=2</script>';

interface Shape {
  host: string;
  provider: string | null;
  surface: string | null;
  path: string;
  action: Action;
  reason: ReasonCode;
  weight: number;
}
const SHAPES: Shape[] = [
  {
    host: 'api.openai.com',
    provider: 'openai',
    surface: 'api',
    path: '/v1/chat/completions',
    action: 'allow',
    reason: 'allowed',
    weight: 40,
  },
  {
    host: 'api.anthropic.com',
    provider: 'anthropic',
    surface: 'api',
    path: '/v1/messages',
    action: 'allow',
    reason: 'allowed',
    weight: 25,
  },
  {
    host: 'chatgpt.com',
    provider: 'openai',
    surface: 'consumer',
    path: '/backend-api/conversation',
    action: 'block',
    reason: 'consumer_surface',
    weight: 9,
  },
  {
    host: 'claude.ai',
    provider: 'anthropic',
    surface: 'consumer',
    path: '/api/organizations',
    action: 'block',
    reason: 'consumer_surface',
    weight: 5,
  },
  {
    host: 'api.openai.com',
    provider: 'openai',
    surface: 'api',
    path: '/v1/responses',
    action: 'block',
    reason: 'unapproved_credential',
    weight: 4,
  },
  {
    host: 'api.openai.com',
    provider: 'openai',
    surface: 'api',
    path: '/v1/files',
    action: 'block',
    reason: 'data_retaining_endpoint',
    weight: 2,
  },
  {
    host: 'api.openai.com',
    provider: 'openai',
    surface: 'api',
    path: '/v1/responses',
    action: 'report',
    reason: 'retaining_feature',
    weight: 3,
  },
  {
    host: 'console.anthropic.com',
    provider: 'anthropic',
    surface: 'console',
    path: '/workbench',
    action: 'block',
    reason: 'console_surface',
    weight: 2,
  },
  {
    host: 'chat.deepseek.com',
    provider: 'deepseek',
    surface: 'consumer',
    path: '/api/v0/chat',
    action: 'block',
    reason: 'provider_not_zdr',
    weight: 2,
  },
  {
    host: 'gemini.google.com',
    provider: 'google',
    surface: 'consumer',
    path: '/app',
    action: 'warn',
    reason: 'consumer_surface',
    weight: 2,
  },
  {
    host: 'api.anthropic.com',
    provider: 'anthropic',
    surface: 'api',
    path: '/v1/messages',
    action: 'block',
    reason: 'oauth_token',
    weight: 1,
  },
];
const USERS = [
  'alice@corp.example',
  'bob@corp.example',
  'carol@corp.example',
  'dave@corp.example',
  'erin@corp.example',
  'frank@corp.example',
  null,
];

function seedRecords(): DecisionRecord[] {
  let s = 42;
  const rand = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const bag = SHAPES.flatMap((shape) => Array.from({ length: shape.weight }, () => shape));
  const out: DecisionRecord[] = [];
  for (let i = 0; i < 1_500; i++) {
    const shape = bag[Math.floor(rand() * bag.length)] as Shape;
    // Skewed towards a few heavy users, as real traffic is.
    const user = USERS[Math.floor(rand() ** 1.8 * USERS.length)] ?? null;
    out.push(
      record({
        id: `dash-${i}`,
        ts: NOW - 24 * HOUR + Math.floor(rand() * 24 * HOUR),
        host: shape.host,
        path: shape.path,
        provider: shape.provider,
        surface: shape.surface,
        action: shape.action,
        reason: shape.reason,
        user,
        clientIp: `10.20.${user === null ? 99 : USERS.indexOf(user)}.${10 + Math.floor(rand() * 3)}`,
        status: shape.action === 'allow' || shape.action === 'report' ? 200 : 403,
        credentialKind: shape.surface === 'api' ? `${shape.provider ?? 'unknown'}_api_key` : null,
        credentialFp: shape.surface === 'api' ? 'a3f1'.repeat(16) : null,
      }),
    );
  }
  out.push(
    record({
      id: 'hostile-1',
      ts: NOW - 30 * 60_000,
      host: XSS_HOST,
      path: XSS_PATH,
      user: '"><b>bold</b>',
      provider: null,
      surface: null,
    }),
  );
  return out;
}

let dir: string;
let records: DecisionRecord[];
let server: http.Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-dash-ui-'));
  records = seedRecords();
  seedLog(dir, records);
  const handler = createDashboardHandler({
    dataDirs: [dir],
    adminToken: null,
    requireToken: false,
    now: () => NOW,
  });
  server = http.createServer((req, res) => {
    if (!handler(req, res)) {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

const notAllowed = (r: DecisionRecord): boolean => r.action !== 'allow';

describe('reports dashboard in Chromium', () => {
  it('loads from this origin only and shows the seeded totals', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const requests = recordRequests(page);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${base}/reports`);
    await expect(page.title()).resolves.toBe('Decision report · zdr-egress');
    const kpi = async (name: string): Promise<string> =>
      (await page.textContent(`[data-kpi="${name}"] .v`)) ?? '';
    expect(await kpi('total')).toBe(records.length.toLocaleString('en-US'));
    expect(await kpi('block')).toBe(String(records.filter((r) => r.action === 'block').length));
    expect(await kpi('warn')).toBe(String(records.filter((r) => r.action === 'warn').length));
    expect(requests.every((u) => u.startsWith(base))).toBe(true);
    // Hostile values render as text: nothing ran, nothing was injected.
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(
      await page.locator('#decisions td.req', { hasText: '<script>window.__pwned=2</script>' }).count(),
    ).toBe(1);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect((await worstContrast(page)).ratio).toBeGreaterThanOrEqual(4.5);
    await page.screenshot({ path: artifactPath('dashboard-overview.png'), fullPage: true });
    await page.screenshot({ path: artifactPath('dashboard-top.png') });
    await page.locator('.grid').screenshot({ path: artifactPath('dashboard-breakdowns.png') });
    await page.close();
  });

  it('plots the seeded blocks per hour in the chart', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.goto(`${base}/reports`);
    const plotted = (await page.$$eval('#chart g.bucket', (gs) =>
      gs.map((g) => [
        Number(g.getAttribute('data-t')),
        Number(g.getAttribute('data-block')),
        Number(g.getAttribute('data-warn')),
        Number(g.getAttribute('data-report')),
      ]),
    )) as [number, number, number, number][];
    const expected = new Map<number, [number, number, number]>();
    for (const r of records.filter(notAllowed)) {
      const t = floorTo(r.ts, HOUR);
      const c = expected.get(t) ?? [0, 0, 0];
      c[r.action === 'block' ? 0 : r.action === 'warn' ? 1 : 2]++;
      expected.set(t, c);
    }
    expect(plotted).toHaveLength(25); // the 24 hours back from 14:20, from 14:00 yesterday to 14:00 today
    for (const [t, block, warn, report] of plotted)
      expect([block, warn, report]).toEqual(expected.get(t) ?? [0, 0, 0]);
    expect(plotted.reduce((s, p) => s + p[1], 0)).toBe(records.filter((r) => r.action === 'block').length);
    await page.close();
  });

  it('narrows the table when a filter is applied', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.goto(`${base}/reports`);
    const before = await page.getAttribute('#decisions [data-shown]', 'data-shown');
    expect(before).toBe(String(records.length));
    await page.selectOption('#f-reason', 'unapproved_credential');
    await page.fill('#f-user', 'alice@corp.example');
    await Promise.all([
      page.waitForURL(/reason=unapproved_credential/),
      page.click('form.filters button[type=submit]'),
    ]);
    const expected = records.filter(
      (r) => r.reason === 'unapproved_credential' && r.user === 'alice@corp.example',
    );
    expect(await page.getAttribute('#decisions [data-shown]', 'data-shown')).toBe(String(expected.length));
    const reasons = await page.$$eval('#decisions tbody tr td:nth-child(3)', (tds) =>
      tds.map((td) => td.textContent),
    );
    expect(reasons.length).toBe(Math.min(50, expected.length));
    expect(new Set(reasons)).toEqual(new Set(['Unapproved credential']));
    expect(await page.locator('.chip').count()).toBe(2);
    expect(await page.locator('#scope').count()).toBe(1); // a user filter covers non-allow decisions
    await page.screenshot({ path: artifactPath('dashboard-filtered.png'), fullPage: true });
    await page.close();
  });

  it('pages through the table', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/reports`);
    const first = await page.getAttribute('#decisions tbody tr:first-child', 'data-id');
    await Promise.all([page.waitForURL(/offset=50/), page.click('a[rel=next]')]);
    expect(await page.textContent('#decisions .pager span')).toBe(
      `51–100 of ${records.length.toLocaleString('en-US')}`,
    );
    expect(await page.getAttribute('#decisions tbody tr:first-child', 'data-id')).not.toBe(first);
    await page.close();
  });

  it('opens the why view of a decision from the table', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(`${base}/reports?reason=consumer_surface&action=block`);
    await Promise.all([page.waitForURL(/\/reports\/why\//), page.click('#decisions tbody tr:first-child a')]);
    const why = (await page.textContent('#why .why')) ?? '';
    expect(why).toMatch(/is a consumer AI surface of (openai|anthropic)\./);
    expect(await page.textContent('h1')).toBe('Why was this blocked?');
    await page.screenshot({ path: artifactPath('dashboard-why.png'), fullPage: true });
    await page.goto(`${base}/reports/why/hostile-1`);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('b', { hasText: 'bold' }).count()).toBe(0);
    await page.close();
  });

  it('offers the CSV export of the filtered decisions', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/reports?action=warn`);
    const href = await page.getAttribute('a[download]', 'href');
    expect(href).toBe('/api/decisions.csv?action=warn');
    const csv = await (await fetch(`${base}${href ?? ''}`)).text();
    expect(csv.trim().split('\r\n')).toHaveLength(1 + records.filter((r) => r.action === 'warn').length);
    await page.close();
  });
});
