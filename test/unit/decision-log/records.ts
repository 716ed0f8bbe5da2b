// Builders for decision records in decision-log tests.

import type { Action } from '../../../src/domain/decision.js';
import type { ReasonCode } from '../../../src/domain/reason.js';
import type { DecisionRecord } from '../../../src/domain/record.js';

let counter = 0;

export function record(over: Partial<DecisionRecord> = {}): DecisionRecord {
  counter++;
  const action: Action = over.action ?? 'block';
  const reason: ReasonCode = over.reason ?? (action === 'allow' ? 'allowed' : 'consumer_surface');
  return {
    id: `d-${counter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    ts: Date.UTC(2025, 0, 15, 12, 0, 0),
    clientIp: '10.0.0.1',
    user: null,
    host: 'chatgpt.com',
    port: 443,
    method: 'POST',
    path: '/backend-api/conversation',
    provider: 'openai',
    surface: 'consumer',
    credentialKind: null,
    credentialFp: null,
    ruleId: 'consumer.chatgpt',
    status: 403,
    bytesUp: 120,
    bytesDown: 900,
    durationMs: 12,
    policyVersion: 'abc123def456',
    ...over,
    action,
    reason,
  };
}
