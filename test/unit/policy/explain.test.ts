import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/classify/simulate.js';
import { explain } from '../../../src/policy/explain.js';
import { fixedDecision } from '../../../src/policy/decide.js';
import { loadPolicyDir } from '../../../src/policy/load.js';
import type { CompiledPolicy } from '../../../src/policy/types.js';
import { facts } from './helpers.js';

const r = loadPolicyDir('policies');
if (!r.ok) throw new Error('shipped policy does not load');
const policy: CompiledPolicy = r.policy;

function run(method: string, url: string, headers: [string, string][] = [], body?: unknown): string {
  const sim = simulate(
    {
      method,
      url,
      headers,
      ...(body === undefined ? {} : { body: new TextEncoder().encode(JSON.stringify(body)) }),
    },
    policy,
  );
  if (!sim.ok) throw new Error(sim.error);
  return explain(sim.decision, sim.facts);
}

describe('explain', () => {
  it('names the decision, the request, the credential fingerprint, why and what to do', () => {
    const text = run('POST', 'https://api.anthropic.com/v1/messages/batches?beta=true', [
      ['x-api-key', 'sk-ant-api03-SECRET'],
    ]);
    expect(text).toBe(
      [
        'Decision:   BLOCK (reason data_retaining_endpoint, rule anthropic.batches)',
        'Request:    POST https://api.anthropic.com/v1/messages/batches',
        'Provider:   anthropic (api surface)',
        'Credential: anthropic_api_key in x-api-key, fingerprint 0a66d005e9fc264254d3f86aff2db066efc360db8b2b2151094939de725414ac',
        'Body:       none',
        'Why:        The Message Batches endpoint (/v1/messages/batches) stores data at Anthropic; it is not eligible for zero data retention.',
        'Remedy:     Use a ZDR-eligible endpoint instead: send requests synchronously rather than as a batch, and pass content inline rather than as stored files or threads.',
      ].join('\n'),
    );
  });

  it('never includes a credential, a query string or body content', () => {
    const text = run(
      'POST',
      'https://api.openai.com/v1/responses?token=QUERYSECRET',
      [['authorization', 'Bearer sk-proj-KEYSECRET']],
      {
        input: 'BODYSECRET',
        store: true,
      },
    );
    for (const secret of ['KEYSECRET', 'QUERYSECRET', 'BODYSECRET']) expect(text).not.toContain(secret);
  });

  it('lists body fields, betas, a WebSocket and a non-standard port', () => {
    const f = facts({
      host: 'api.acme.test',
      port: 8443,
      websocket: true,
      provider: 'acme',
      betas: ['files-api-1'],
      body: {
        store: true,
        background: true,
        previousResponseId: true,
        conversation: true,
        mcpServers: true,
        skills: true,
        toolTypes: ['mcp'],
      },
    });
    const text = explain(fixedDecision('internal_error', null), f);
    expect(text).toContain('Request:    POST https://api.acme.test:8443/ (WebSocket)');
    expect(text).toContain('Betas:      files-api-1');
    expect(text).toContain(
      'Body:       JSON (store: true; background; previous_response_id; conversation; mcp_servers; skills; tools: mcp)',
    );
  });

  it.each([
    ['not_inspected', 'not inspected'],
    ['unreadable', 'not valid JSON'],
    ['too_large', 'above the inspection limit'],
  ] as const)('describes a body that is %s', (bodyState, words) => {
    expect(explain(fixedDecision('body_too_large', null), facts({ host: '::1', bodyState }))).toContain(
      `Body:       ${words}`,
    );
  });

  it('brackets an IPv6 host and reports parsed state without fields', () => {
    const text = explain(fixedDecision('internal_error', null), {
      ...facts({ host: '::1', bodyState: 'parsed' }),
      body: null,
    });
    expect(text).toContain('https://[::1]/');
    expect(text).toContain('Body:       parsed');
  });

  it('names the injected tenant headers, not their values', () => {
    const d = {
      ...fixedDecision('allowed', null),
      inject: [{ name: 'anthropic-allowed-org-ids', value: 'uuid-1' }],
    };
    const text = explain(d, facts({ host: 'api.anthropic.com' }));
    expect(text).toContain('Injects:    anthropic-allowed-org-ids');
    expect(text).not.toContain('uuid-1');
    expect(text).not.toContain('Remedy:');
  });
});
