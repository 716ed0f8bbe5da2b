// The decision log as the proxy uses it: the id a client sees is the row's id, and an unusable log
// either keeps traffic flowing (default) or fails AI traffic closed (decision_log.on_failure: block_ai).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { proxiedAgent } from '../../helpers/clients.js';
import { startTestEgress } from '../../helpers/egress.js';

function unusableDataDir(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'zdr-notadir-')), 'plain-file');
  writeFileSync(file, 'not a folder');
  return join(file, 'data'); // a folder inside a regular file: mkdir and open both fail
}

describe('decision log wiring', () => {
  it('stores the decision under the id the client was shown', async () => {
    const zdr = await startTestEgress({});
    const res = await request('https://claude.ai/', { dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem) });
    await res.body.text();
    const id = res.headers['x-zdr-egress-decision-id'];
    await zdr.stop(); // flushes the log
    const db = new Database(join(zdr.dirs.data, 'decisions.db'), { readonly: true });
    const row = db
      .prepare('select host, action, reason, status from decisions where id = ?')
      .get(id) as Record<string, unknown>;
    db.close();
    expect(row).toEqual({ host: 'claude.ai', action: 'block', reason: 'consumer_surface', status: 403 });
  });

  it('keeps serving when the log cannot write, and says so on /readyz', async () => {
    const zdr = await startTestEgress({ config: { data: unusableDataDir() } });
    try {
      const res = await request('https://claude.ai/', { dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem) });
      expect(res.headers['x-zdr-egress-reason']).toBe('consumer_surface');
      await res.body.text();
      const ready = await request(`${zdr.adminUrl}/readyz`);
      expect(ready.statusCode).toBe(200);
      expect(
        ((await ready.body.json()) as { decision_log: { writable: boolean } }).decision_log.writable,
      ).toBe(false);
    } finally {
      await zdr.stop();
    }
  });

  it('fails intercepted AI traffic closed with decision_log_unavailable when on_failure is block_ai', async () => {
    const key = 'sk-proj-auditAAAAAAAAAAAAAAAAAAAAAT3BlbkFJauditBBBBBBBBBBBBBBBBBBBB';
    const zdr = await startTestEgress({
      approve: [{ provider: 'openai', key }],
      config: { data: unusableDataDir(), decision_log: { on_failure: 'block_ai' } },
    });
    try {
      const res = await request('https://api.openai.com/v1/chat/completions', {
        method: 'POST',
        dispatcher: proxiedAgent(zdr.proxyUrl, zdr.caPem),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4.1', messages: [] }),
      });
      expect(res.statusCode).toBe(403);
      expect(res.headers['x-zdr-egress-reason']).toBe('decision_log_unavailable');
      await res.body.text();
      expect((await request(`${zdr.adminUrl}/readyz`)).statusCode).toBe(503);
    } finally {
      await zdr.stop();
    }
  });
});
