import { createPacResolver } from 'pac-resolver';
import { QuickJS } from 'quickjs-wasi';
import { describe, expect, it } from 'vitest';
import { buildPac } from '../../../src/pac/pac.js';

const hosts = ['api.openai.com', 'chatgpt.com', 'claude.ai', '*.oaiusercontent.com'];

async function resolverFor(mode: 'ai-only' | 'all', fallback: 'none' | 'direct') {
  const pac = buildPac({ hosts, proxy: 'egress.corp.example:8080', mode, fallback, policyVersion: 'abc' });
  // pac-resolver evaluates the file in a QuickJS sandbox with the standard PAC helper functions.
  return createPacResolver(await QuickJS.create(), pac);
}

describe('generated PAC file', () => {
  it.each([
    ['https://api.openai.com/v1/chat/completions', 'PROXY egress.corp.example:8080'],
    ['https://API.OpenAI.com./v1', 'PROXY egress.corp.example:8080'],
    ['https://chatgpt.com/', 'PROXY egress.corp.example:8080'],
    ['https://files.oaiusercontent.com/x', 'PROXY egress.corp.example:8080'],
    ['https://oaiusercontent.com.evil.test/', 'DIRECT'],
    ['https://notchatgpt.com/', 'DIRECT'],
    ['https://www.example.com/', 'DIRECT'],
    ['http://intranet/', 'DIRECT'],
  ])('mode ai-only: %s -> %s', async (url, expected) => {
    const find = await resolverFor('ai-only', 'none');
    expect(await find(url)).toBe(expected);
  });

  it('mode all sends everything through the proxy', async () => {
    const find = await resolverFor('all', 'none');
    expect(await find('https://www.example.com/')).toBe('PROXY egress.corp.example:8080');
  });

  it('adds DIRECT as a fallback only when asked', async () => {
    const find = await resolverFor('ai-only', 'direct');
    expect(await find('https://claude.ai/')).toBe('PROXY egress.corp.example:8080; DIRECT');
  });
});

describe('host patterns with a wildcard inside a label', () => {
  it.each([
    ['https://us-central1-aiplatform.googleapis.com/v1', 'PROXY p:1'],
    ['https://bedrock-runtime.eu-west-1.amazonaws.com/model', 'PROXY p:1'],
    ['https://bedrock-runtime.amazonaws.com/', 'DIRECT'],
    ['https://bedrock-runtime.a.b.amazonaws.com/', 'DIRECT'],
    ['https://aiplatform.googleapis.com.evil.test/', 'DIRECT'],
    ['https://storage.googleapis.com/', 'DIRECT'],
  ])('%s -> %s', async (url, expected) => {
    const pac = buildPac({
      hosts: ['*-aiplatform.googleapis.com', 'bedrock-runtime.*.amazonaws.com'],
      proxy: 'p:1',
      mode: 'ai-only',
      fallback: 'none',
      policyVersion: 'x',
    });
    const find = createPacResolver(await QuickJS.create(), pac);
    expect(await find(url)).toBe(expected);
  });
});
