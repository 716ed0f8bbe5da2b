import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardHandler, type DashboardOptions } from '../../src/admin/dashboard/index.js';
import { HOUR } from '../../src/decision-log/buckets.js';
import { parseCsv } from '../unit/decision-log/csv-reader.js';
import { record } from '../unit/decision-log/records.js';
import { seedLog } from '../unit/decision-log/seed.js';

const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);
const XSS_HOST = '<script>alert("host")</script>.evil.example';
const XSS_PATH = '/"><img src=x onerror=alert(1)>';
const XSS_USER = "o'brien<svg onload=alert(2)>";

let dir: string;
const servers: http.Server[] = [];

async function serve(over: Partial<DashboardOptions> = {}): Promise<string> {
  const handler = createDashboardHandler({
    dataDirs: [dir],
    adminToken: null,
    requireToken: false,
    now: () => NOW,
    ...over,
  });
  const server = http.createServer((req, res) => {
    if (!handler(req, res)) {
      res.statusCode = 404;
      res.end('not mine\n');
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-dash-http-'));
  seedLog(dir, [
    record({ id: 'xss-1', ts: NOW - HOUR, host: XSS_HOST, path: XSS_PATH, user: XSS_USER }),
    record({ id: 'b-1', ts: NOW - 2 * HOUR, user: 'alice' }),
    record({
      id: 'b-2',
      ts: NOW - 3 * HOUR,
      user: 'alice',
      reason: 'unapproved_credential',
      host: 'api.openai.com',
      surface: 'api',
    }),
    record({ id: 'a-1', ts: NOW - 2 * HOUR, action: 'allow', host: 'api.openai.com', user: 'bob' }),
    record({ id: 'w-1', ts: NOW - 5 * HOUR, action: 'warn', user: 'carol' }),
  ]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('dashboard over HTTP', () => {
  it('serves /reports with every attacker-controlled value escaped and no script at all', async () => {
    const base = await serve();
    const res = await fetch(`${base}/reports`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(
      /default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]+'/,
    );
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).toContain('&lt;script&gt;alert(&quot;host&quot;)&lt;/script&gt;.evil.example');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('o&#39;brien&lt;svg onload=alert(2)&gt;');
    expect(html).not.toMatch(/<script|<img|<svg onload|onerror=alert\(1\)>/i);
    // Nothing is fetched from anywhere: no external stylesheet, script, image or font.
    expect(html).not.toMatch(/<link|<[a-z][^>]*\ssrc=|url\(/i);
  });

  it('links each breakdown entry to the filtered report and each decision to its why page', async () => {
    const base = await serve();
    const html = await (await fetch(`${base}/reports`)).text();
    expect(html).toContain('href="/reports?reason=unapproved_credential"');
    expect(html).toContain('href="/reports?user=alice"');
    expect(html).toContain('href="/reports/why/b-1"');
    expect(html).toContain('href="/api/decisions.csv"');
  });

  it('answers /api/report with totals, breakdowns and a filled timeline', async () => {
    const base = await serve();
    const res = await fetch(`${base}/api/report?since=24h`);
    expect(res.status).toBe(200);
    const j = (await res.json()) as {
      summary: { total: number; totals: Record<string, number> };
      timeline: { bucket: string; points: unknown[] };
    };
    expect(j.summary.total).toBe(5);
    expect(j.summary.totals).toEqual({ allow: 1, block: 3, report: 0, warn: 1 });
    expect(j.timeline.bucket).toBe('hour');
    expect(j.timeline.points).toHaveLength(24);
  });

  it('pages /api/decisions with filters', async () => {
    const base = await serve();
    const j = (await (await fetch(`${base}/api/decisions?user=alice&limit=1&offset=1`)).json()) as {
      total: number;
      rows: { id: string }[];
    };
    expect(j.total).toBe(2);
    expect(j.rows.map((r) => r.id)).toEqual(['b-2']);
  });

  it('exports CSV that parses back to the same hostile values', async () => {
    const base = await serve();
    const res = await fetch(`${base}/api/decisions.csv?since=all`);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="zdr-egress-decisions-\d{8}-\d{4}\.csv"$/,
    );
    const rows = parseCsv(await res.text());
    const header = rows[0] as string[];
    expect(rows).toHaveLength(6);
    const xss = rows.find((r) => r[0] === 'xss-1') as string[];
    expect(xss[header.indexOf('host')]).toBe(XSS_HOST);
    expect(xss[header.indexOf('path')]).toBe(XSS_PATH);
    expect(xss[header.indexOf('user')]).toBe(XSS_USER);
  });

  it('explains one decision on /reports/why/<id>, and says when the id is unknown', async () => {
    const base = await serve();
    const ok = await fetch(`${base}/reports/why/b-1`);
    expect(ok.status).toBe(200);
    const html = await ok.text();
    expect(html).toContain('chatgpt.com is a consumer AI surface of openai.');
    expect(html).toContain('Use the company&#39;s approved AI access instead');
    const xss = await (await fetch(`${base}/reports/why/xss-1`)).text();
    expect(xss).not.toMatch(/<script|<img|<svg onload/i);
    expect((await fetch(`${base}/reports/why/nope`)).status).toBe(404);
    expect((await fetch(`${base}/reports/why/%E0%A4%A`)).status).toBe(404);
  });

  it.each([
    ['/api/report?since=yesterday', 'since: use a duration'],
    ['/api/decisions?limit=100000', 'limit must be a whole number from 1 to 500'],
    ['/api/decisions?action=explode', 'action must be one of'],
    ['/api/report?color=red', 'unknown parameter "color"'],
    ['/api/report?user=a&user=b', 'user is given more than once'],
  ])('rejects %s with 400 and a message that names the parameter', async (url, message) => {
    const base = await serve();
    const res = await fetch(`${base}${url}`);
    expect(res.status).toBe(400);
    const j = (await res.json()) as { error: { code: string; message: string } };
    expect(j.error.code).toBe('bad_parameter');
    expect(j.error.message).toContain(message);
  });

  it('leaves paths that are not its own to the next handler', async () => {
    const base = await serve();
    const res = await fetch(`${base}/healthz`);
    expect(await res.text()).toBe('not mine\n');
  });

  it('answers HEAD without a body', async () => {
    const base = await serve();
    const res = await fetch(`${base}/reports`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('shows an empty report with a notice before the first decision is logged', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-dash-empty-'));
    try {
      const base = await serve({ dataDirs: [empty] });
      const res = await fetch(`${base}/reports`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('No decisions recorded yet');
      const api = await fetch(`${base}/api/report`);
      expect(api.status).toBe(404);
      expect(((await api.json()) as { error: { code: string } }).error.code).toBe('no_decision_log');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('dashboard authorization', () => {
  const token = 'test-admin-token-123';

  it.each([
    ['no credentials', 401, {}],
    ['a wrong bearer token', 401, { authorization: 'Bearer nope' }],
    ['the bearer token', 200, { authorization: `Bearer ${token}` }],
    [
      'the token as Basic password',
      200,
      { authorization: `Basic ${Buffer.from(`anyone:${token}`).toString('base64')}` },
    ],
    [
      'a wrong Basic password',
      401,
      { authorization: `Basic ${Buffer.from('anyone:nope').toString('base64')}` },
    ],
  ])('with %s answers %i', async (_name, status, headers) => {
    const base = await serve({ adminToken: token, requireToken: true });
    for (const p of ['/reports', '/api/report', '/api/decisions', '/api/decisions.csv', '/reports/why/b-1']) {
      const res = await fetch(`${base}${p}`, { headers });
      expect(res.status).toBe(status);
      if (status === 401)
        expect(res.headers.get('www-authenticate')).toContain('Basic realm="zdr-egress reports"');
      await res.arrayBuffer();
    }
  });

  it('refuses everything when a token is required but none is configured', async () => {
    const base = await serve({ adminToken: null, requireToken: true });
    const res = await fetch(`${base}/reports`, { headers: { authorization: 'Bearer anything' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/--admin-token/);
  });
});
