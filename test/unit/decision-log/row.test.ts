import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../../src/domain/record.js';
import { COLUMNS, toRow } from '../../../src/decision-log/row.js';
import { record } from './records.js';

describe('toRow', () => {
  it('copies exactly the INTERFACES.md columns, in order', () => {
    const r = record({ user: 'alice', credentialKind: 'openai_api_key', credentialFp: 'f'.repeat(64) });
    const row = toRow(r);
    expect(row).not.toBeNull();
    expect(row).toHaveLength(COLUMNS.length);
    expect(row?.[0]).toBe(r.id);
    expect(row?.[COLUMNS.indexOf('credential_fp')]).toBe('f'.repeat(64));
    expect(row?.[COLUMNS.indexOf('user')]).toBe('alice');
  });

  it('leaves out any field that is not on the allow-list, even when the object carries it', () => {
    const smuggled = {
      ...record(),
      body: 'SECRET-PROMPT',
      authorization: 'Bearer sk-SECRET',
      query: 'q=SECRET',
    };
    const row = toRow(smuggled as DecisionRecord);
    expect(JSON.stringify(row)).not.toContain('SECRET');
  });

  it.each([
    ['/v1/chat/completions?api_key=sk-SECRET', '/v1/chat/completions'],
    ['/search#frag-SECRET', '/search'],
    ['/plain', '/plain'],
  ])('cuts the path %s at the query string or fragment', (path, expected) => {
    expect(toRow(record({ path }))?.[COLUMNS.indexOf('path')]).toBe(expected);
  });

  it('bounds the length of attacker-controlled text', () => {
    const row = toRow(record({ host: 'h'.repeat(10_000), path: '/' + 'p'.repeat(10_000) }));
    expect(row?.[COLUMNS.indexOf('host')]).toHaveLength(255);
    expect(row?.[COLUMNS.indexOf('path')]).toHaveLength(2048);
  });

  it.each([
    ['an empty id', { id: '' }],
    ['a fractional timestamp', { ts: 1.5 }],
    ['a negative timestamp', { ts: -1 }],
    ['an unknown action', { action: 'explode' }],
    ['a missing reason', { reason: undefined }],
    ['a missing host', { host: undefined }],
  ])('rejects a record with %s', (_name, over) => {
    expect(toRow({ ...record(), ...over } as unknown as DecisionRecord)).toBeNull();
  });

  it('stores non-numeric counters as NULL rather than failing the batch', () => {
    const row = toRow({ ...record(), bytesUp: Number.NaN, status: undefined } as unknown as DecisionRecord);
    expect(row?.[COLUMNS.indexOf('bytes_up')]).toBeNull();
    expect(row?.[COLUMNS.indexOf('status')]).toBeNull();
  });
});
