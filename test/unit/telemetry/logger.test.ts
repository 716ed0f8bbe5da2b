// The canonical pino line carries exactly the DecisionRecord's allow-listed fields, and `redact`
// removes content-bearing keys that a careless future log call might hand to the logger.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../../src/domain/record.js';
import { createLogger, logDecision, type Logger } from '../../../src/telemetry/logger.js';

function capture(): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString('utf8');
      cb();
    },
  });
  return {
    logger: createLogger('info', sink),
    text: () => out,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

const RECORD: DecisionRecord = {
  id: 'd-1',
  ts: 1_700_000_000_000,
  clientIp: '10.0.0.5',
  user: null,
  host: 'api.openai.com',
  port: 443,
  method: 'POST',
  path: '/v1/chat/completions',
  provider: 'openai',
  surface: 'api',
  credentialKind: 'openai_project_key',
  credentialFp: 'ab'.repeat(32),
  action: 'allow',
  reason: 'allowed',
  ruleId: 'credentials.approved',
  status: 200,
  bytesUp: 10,
  bytesDown: 20,
  durationMs: 5,
  policyVersion: 'v1',
};

describe('pino canonical decision line', () => {
  it('writes one line with exactly the allow-listed fields of the record', async () => {
    const c = capture();
    logDecision(c.logger, RECORD);
    await flush();
    const [line, ...rest] = c.lines();
    expect(rest).toEqual([]);
    expect(Object.keys(line ?? {}).sort()).toEqual(
      [
        'level',
        'time',
        'service',
        'msg',
        'decision_id',
        'client_ip',
        'user',
        'host',
        'port',
        'method',
        'path',
        'provider',
        'surface',
        'credential_kind',
        'credential_fp',
        'action',
        'reason',
        'rule_id',
        'status',
        'bytes_up',
        'bytes_down',
        'duration_ms',
        'policy_version',
      ].sort(),
    );
    expect(line).toMatchObject({ msg: 'decision', decision_id: 'd-1', path: '/v1/chat/completions' });
  });

  it('logs a block at warn and an allow at info', async () => {
    const c = capture();
    logDecision(c.logger, { ...RECORD, action: 'block', reason: 'unapproved_credential' });
    logDecision(c.logger, RECORD);
    await flush();
    expect(c.lines().map((l) => l.level)).toEqual([40, 30]);
  });
});

describe('pino redact, the second line of defence', () => {
  const SECRET = 'CANARY-redact-5f1c';
  const cases: [string, Record<string, unknown>][] = [
    ['headers', { headers: { authorization: SECRET } }],
    ['rawHeaders', { rawHeaders: ['x-api-key', SECRET] }],
    ['authorization', { authorization: `Bearer ${SECRET}` }],
    ['cookie', { cookie: SECRET }],
    ['x-api-key', { 'x-api-key': SECRET }],
    ['body', { body: SECRET }],
    ['query', { query: SECRET }],
    ['url', { url: `/v1/x?q=${SECRET}` }],
    ['credential', { credential: SECRET }],
    ['prompt', { prompt: SECRET }],
    ['messages', { messages: [{ content: SECRET }] }],
    ['a request object', { req: { url: SECRET, headers: {} } }],
    ['a response object', { res: { body: SECRET } }],
    ['a nested header map', { upstream: { headers: { cookie: SECRET } } }],
    ['a nested dashed key', { upstream: { 'x-api-key': SECRET } }],
    ['a nested body', { error: { body: SECRET } }],
  ];

  it.each(cases)('removes %s from a log call', async (_name, obj) => {
    const c = capture();
    c.logger.info({ ...obj, kept: 'visible' }, 'oops');
    await flush();
    expect(c.text()).toContain('visible');
    expect(c.text()).not.toContain(SECRET);
  });
});
