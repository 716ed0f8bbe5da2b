// Hostile JSON in inspected bodies (POST /v1/chat/completions with an approved key, so the body is
// read and decided on): deep nesting, duplicate keys, invalid UTF-8, encodings the inspector cannot
// read. Each must end in a decision (403 with a reason, or forwarded unchanged), never a crash.
import diagnostics from 'node:diagnostics_channel';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { DECISION_CHANNEL, type DecisionRecord } from '../../../src/domain/record.js';
import { KEY, MARKER, useRig, type Rig } from './rig.js';

let rig: Rig;

useRig((r) => (rig = r));

async function post(
  body: Buffer | string,
  headers: Record<string, string> = {},
  path = '/v1/chat/completions',
) {
  const res = await request(`https://api.openai.com${path}`, {
    method: 'POST',
    dispatcher: rig.agent,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.body.text();
  expect(text).not.toContain(MARKER);
  return { status: res.statusCode, reason: res.headers['x-zdr-egress-reason'], text };
}

describe('deeply nested JSON', () => {
  const depth = 100_000;

  it('blocks 100,000 unclosed brackets as body_unreadable', async () => {
    const r = await post('['.repeat(depth));
    expect([r.status, r.reason]).toEqual([403, 'body_unreadable']);
    expect(rig.seen()).toEqual([]);
  });

  it('blocks 100,000 nested arrays at the top level as body_unreadable (not an object)', async () => {
    const r = await post('['.repeat(depth) + ']'.repeat(depth));
    expect([r.status, r.reason]).toEqual([403, 'body_unreadable']);
    expect(rig.seen()).toEqual([]);
  });

  it('still decides on the fields beside 100,000 nested arrays', async () => {
    const nested = '['.repeat(depth) + ']'.repeat(depth);
    const r = await post(`{"model":"gpt-4.1","store":true,"messages":[],"x":${nested}}`);
    expect(r.status).toBe(403);
    expect(['retaining_feature', 'body_unreadable']).toContain(r.reason);
    expect(rig.seen()).toEqual([]);
  });

  it('decides on 100,000 nested objects (forwarded unchanged or blocked, never a crash)', async () => {
    const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const r = await post(`{"model":"gpt-4.1","messages":[],"x":${nested}}`);
    expect([200, 403]).toContain(r.status);
    if (r.status === 403) expect(r.reason).toBe('body_unreadable');
    else
      expect(rig.seen()[0]?.bodyBytes).toBe(
        Buffer.byteLength(`{"model":"gpt-4.1","messages":[],"x":${nested}}`),
      );
  });
});

describe('duplicate keys', () => {
  // JSON.parse keeps the last of two equal keys. RFC 8259 §4 leaves the choice to the parser, and
  // some keep the first (or refuse the body): the provider may read another value than we did.
  it('blocks {"store":false,"store":true}: the last one wins here, and it is true', async () => {
    const r = await post('{"model":"gpt-4.1","messages":[],"store":false,"store":true}');
    expect(r.status).toBe(403);
    expect(['retaining_feature', 'body_unreadable']).toContain(r.reason);
    expect(rig.seen()).toEqual([]);
  });

  // Finding 8 in docs/hostile-input.md: fails until it is fixed.
  it.each([
    ['store', '{"model":"gpt-4.1","messages":[],"store":true,"store":false}'],
    [
      'a tool type',
      '{"model":"gpt-4.1","input":"x","tools":[{"type":"code_interpreter","type":"function"}]}',
    ],
  ])(
    'refuses a body that names %s twice instead of trusting the last value (the provider may keep the first)',
    async (_field, body) => {
      const path = body.includes('"input"') ? '/v1/responses' : '/v1/chat/completions';
      const r = await post(body, {}, path);
      expect(r.status).toBe(403);
      expect(rig.seen()).toEqual([]);
    },
  );
});

describe('bodies the inspector cannot read are blocked, never forwarded uninspected', () => {
  it.each([
    [
      'invalid UTF-8',
      Buffer.from([...Buffer.from('{"model":"gpt-4.1","x":"'), 0xff, 0xfe, 0xc3, 0x28, ...Buffer.from('"}')]),
    ],
    [
      'an overlong UTF-8 quote',
      Buffer.from([...Buffer.from('{"model":"gpt-4.1","store'), 0xc0, 0xa2, ...Buffer.from(':true}')]),
    ],
    ['UTF-16', Buffer.from('\ufeff{"model":"gpt-4.1","store":true}', 'utf16le')],
    ['a gzip body', gzipSync('{"model":"gpt-4.1","store":true,"messages":[]}')],
    ['two JSON documents', '{"model":"gpt-4.1","store":false} {"store":true}'],
    ['NaN (Python accepts it, JSON does not)', '{"model":"gpt-4.1","store":false,"temperature":NaN}'],
    ['store as a string', '{"model":"gpt-4.1","store":"true"}'],
    ['store as a number', '{"model":"gpt-4.1","store":1}'],
    ['tools as an object', '{"model":"gpt-4.1","tools":{"type":"code_interpreter"}}'],
    ['a form-encoded body', 'model=gpt-4.1&store=true'],
  ])('blocks %s as body_unreadable', async (_name, body) => {
    const headers: Record<string, string> = _name === 'a gzip body' ? { 'content-encoding': 'gzip' } : {};
    const r = await post(body, headers);
    expect([r.status, r.reason]).toEqual([403, 'body_unreadable']);
    expect(rig.seen()).toEqual([]);
  });

  it('reads an escaped key the way the provider will ("st\\u006fre" is "store")', async () => {
    const r = await post('{"model":"gpt-4.1","messages":[],"st\\u006fre":true}');
    expect([r.status, r.reason]).toEqual([403, 'retaining_feature']);
  });
});

describe('bodies of requests the head already blocks', () => {
  // Reading (and parsing) up to the inspection cap for a request that its credential already
  // blocks lets any client make the proxy parse 16 MiB: 8 million nested brackets stall the event
  // loop for about 8 s (docs/hostile-input.md). The body is needed only once the head passes.
  // Finding 3 in docs/hostile-input.md: fails until it is fixed.
  it('does not read the body of a request with an unapproved key for inspection', async () => {
    const records: DecisionRecord[] = [];
    const onDecision = (m: unknown): void => void records.push(m as DecisionRecord);
    diagnostics.subscribe(DECISION_CHANNEL, onDecision);
    try {
      const body = `{"model":"gpt-4.1","messages":[],"x":"${'a'.repeat(256 * 1024)}"}`;
      const r = await post(body, {
        authorization: 'Bearer sk-proj-notApprovedAAAAAAAAAAT3BlbkFJnotApproved',
      });
      expect([r.status, r.reason]).toEqual([403, 'unapproved_credential']);
      for (let i = 0; i < 50 && records.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
      expect(records.map((d) => [d.reason, d.bytesUp])).toEqual([['unapproved_credential', 0]]);
    } finally {
      diagnostics.unsubscribe(DECISION_CHANNEL, onDecision);
    }
    expect(rig.seen()).toEqual([]);
  });
});

describe('bodies on endpoints that are not inspected', () => {
  it('forwards invalid UTF-8 byte for byte', async () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]);
    const r = await post(body, {}, '/v1/embeddings');
    expect(r.status).toBe(200);
    const seen = rig.seen();
    expect(seen).toHaveLength(1);
    expect(Buffer.from(seen[0]?.body ?? '', 'latin1')).toEqual(body);
  });
});
