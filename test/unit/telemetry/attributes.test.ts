// What a DecisionRecord becomes in OTel: metrics get closed-set labels only; spans and log records
// get a fixed allow-list; a query string is cut even if one ever reached the record's path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../src/domain/decision.js';
import { SURFACES } from '../../../src/domain/facts.js';
import { REASON_CODES } from '../../../src/domain/reason.js';
import type { DecisionRecord } from '../../../src/domain/record.js';
import {
  decisionEventAttributes,
  decisionMetricAttributes,
  decisionSpanName,
  durationMetricAttributes,
  withoutQuery,
} from '../../../src/telemetry/attributes.js';

const RECORD: DecisionRecord = {
  id: '0b6c1f52-1111-4c9e-9d7e-3f1a2b3c4d5e',
  ts: 1_700_000_000_000,
  clientIp: '10.1.2.3',
  user: 'alice@example.com',
  host: 'api.openai.com',
  port: 443,
  method: 'POST',
  path: '/v1/chat/completions',
  provider: 'openai',
  surface: 'api',
  credentialKind: 'openai_project_key',
  credentialFp: 'cd'.repeat(32),
  action: 'allow',
  reason: 'allowed',
  ruleId: 'credentials.approved',
  status: 200,
  bytesUp: 123,
  bytesDown: 4567,
  durationMs: 250,
  policyVersion: 'abc123',
};

describe('metric labels', () => {
  it('are action, reason, provider and surface for the decisions counter', () => {
    expect(decisionMetricAttributes(RECORD)).toEqual({
      action: 'allow',
      reason: 'allowed',
      provider: 'openai',
      surface: 'api',
    });
  });

  it('are action and provider for the duration histogram', () => {
    expect(durationMetricAttributes(RECORD)).toEqual({ action: 'allow', provider: 'openai' });
  });

  it('say "none" for a decision without provider or surface (a CONNECT refusal)', () => {
    expect(decisionMetricAttributes({ ...RECORD, provider: null, surface: null })).toMatchObject({
      provider: 'none',
      surface: 'none',
    });
  });

  it('never carry the user, client address, host, path, rule or credential, whatever the record holds', () => {
    const reasons = fc.constantFrom(...REASON_CODES);
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string(),
        fc.constantFrom(...ACTIONS),
        reasons,
        (s1, s2, s3, action, reason) => {
          const r = {
            ...RECORD,
            user: s1,
            host: s2,
            path: s3,
            clientIp: s1,
            credentialFp: s2,
            ruleId: s3,
            action,
            reason,
          };
          const labels = decisionMetricAttributes(r);
          expect(Object.keys(labels).sort()).toEqual(['action', 'provider', 'reason', 'surface']);
          expect(ACTIONS).toContain(labels['action']);
          expect(REASON_CODES).toContain(labels['reason']);
          expect([...SURFACES, 'none']).toContain(labels['surface']);
        },
      ),
    );
  });
});

describe('span and log-record attributes', () => {
  it('are exactly the allow-listed keys', () => {
    expect(decisionEventAttributes(RECORD)).toEqual({
      'http.request.method': 'POST',
      'server.address': 'api.openai.com',
      'server.port': 443,
      'url.path': '/v1/chat/completions',
      'http.response.status_code': 200,
      'zdr.decision': 'allow',
      'zdr.reason': 'allowed',
      'zdr.rule_id': 'credentials.approved',
      'zdr.decision_id': RECORD.id,
      'zdr.provider': 'openai',
      'zdr.surface': 'api',
      'zdr.bytes_up': 123,
      'zdr.bytes_down': 4567,
    });
  });

  it('leave out the user, client address, credential and policy version', () => {
    const values = Object.values(decisionEventAttributes(RECORD)).map(String);
    for (const v of [
      RECORD.user,
      RECORD.clientIp,
      RECORD.credentialFp,
      RECORD.credentialKind,
      RECORD.policyVersion,
    ])
      expect(values).not.toContain(v);
  });

  it('cut a query string or fragment even if one reached the record path (second line of defence)', () => {
    expect(decisionEventAttributes({ ...RECORD, path: '/v1/x?key=CANARY' })['url.path']).toBe('/v1/x');
    expect(withoutQuery('/a#frag?x')).toBe('/a');
    expect(withoutQuery('/plain')).toBe('/plain');
  });

  it('omit url.path for a CONNECT and the status when the connection ended before one', () => {
    const attrs = decisionEventAttributes({ ...RECORD, method: 'CONNECT', path: '', status: 0 });
    expect(attrs).not.toHaveProperty('url.path');
    expect(attrs).not.toHaveProperty('http.response.status_code');
  });

  it('name the span after method and host', () => {
    expect(decisionSpanName(RECORD)).toBe('POST api.openai.com');
  });
});
