// Shared inputs for the block renderer tests.

import type { Decision } from '../../../src/domain/decision.js';
import type { RuleId } from '../../../src/domain/facts.js';
import type { BlockInput } from '../../../src/block/render.js';

export function decision(overrides: Partial<Decision> = {}): Decision {
  return {
    action: 'block',
    reason: 'data_retaining_endpoint',
    ruleId: 'openai.files' as RuleId,
    explanation: 'The Files API keeps uploaded files until they are deleted',
    remedy: 'Send the content inline in /v1/responses instead',
    inject: [],
    ...overrides,
  };
}

export function blockInput(overrides: Partial<BlockInput> = {}): BlockInput {
  return {
    decision: decision(),
    decisionId: 'dec_01HZYX',
    host: 'api.openai.com',
    path: '/v1/files',
    provider: 'openai',
    surface: 'api',
    wantsHtml: false,
    ...overrides,
  };
}
