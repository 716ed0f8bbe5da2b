import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyBody, classifyHead, fingerprint } from '../../../src/classify/index.js';
import { buildPolicy } from '../../../src/policy/build.js';
import { loadPolicyDir, readPolicySources } from '../../../src/policy/load.js';
import type { CompiledPolicy, RequestHead } from '../../../src/policy/types.js';

const loaded = loadPolicyDir('policies');
if (!loaded.ok) throw new Error('shipped policy does not load');
const policy: CompiledPolicy = loaded.policy;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function head(
  host: string,
  target: string,
  headers: RequestHead['headers'] = {},
  extra: Partial<RequestHead> = {},
): RequestHead {
  return { method: 'post', host, port: 443, scheme: 'https', target, headers, websocket: false, ...extra };
}

describe('fingerprint', () => {
  it('is the SHA-256 hex of the credential', () => {
    expect(fingerprint('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('classifyHead', () => {
  it('cuts the query string and fragment and upper-cases the method', () => {
    const f = classifyHead(head('api.openai.com', '/v1/chat/completions?secret=1#frag'), policy);
    expect(f).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      provider: 'openai',
      surface: 'api',
    });
    expect(JSON.stringify(f)).not.toContain('secret');
  });

  it.each([
    ['https://api.openai.com/v1/models?x=1', '/v1/models'],
    ['http://api.openai.com', '/'],
    ['*', '*'],
  ])('takes the path of the target %s', (target, path) => {
    expect(classifyHead(head('api.openai.com', target), policy).path).toBe(path);
  });

  it('leaves provider and surface null outside the catalog', () => {
    expect(classifyHead(head('example.com', '/'), policy)).toMatchObject({
      provider: null,
      surface: null,
      credential: null,
    });
  });

  it.each([
    ['x-api-key', { 'x-api-key': 'sk-ant-api03-K' }, 'sk-ant-api03-K', 'anthropic_api_key'],
    [
      'Bearer, any case',
      { authorization: 'bearer   sk-ant-oat01-T' },
      'sk-ant-oat01-T',
      'anthropic_oauth_token',
    ],
    ['an unknown prefix', { 'x-api-key': 'something-else' }, 'something-else', 'unknown'],
  ])('reads the Anthropic credential from %s', (_n, headers, raw, kind) => {
    const f = classifyHead(head('api.anthropic.com', '/v1/messages', headers), policy);
    expect(f.credential).toEqual({ header: Object.keys(headers)[0], kind, fingerprint: sha(raw) });
    expect(JSON.stringify(f)).not.toContain(raw);
  });

  it('ignores an Authorization header that is not Bearer', () => {
    expect(
      classifyHead(head('api.openai.com', '/v1/models', { authorization: 'Basic dXNlcjpwYXNz' }), policy)
        .credential,
    ).toBeNull();
  });

  it('fingerprints the Gemini key query parameter and keeps it out of the facts', () => {
    const f = classifyHead(
      head('generativelanguage.googleapis.com', '/v1beta/models/m:generateContent?alt=sse&key=AIzaSECRET#x'),
      policy,
    );
    expect(f.credential).toEqual({ header: '?key', kind: 'google_api_key', fingerprint: sha('AIzaSECRET') });
    expect(JSON.stringify(f)).not.toContain('AIzaSECRET');
  });

  it('fingerprints the access key id of an AWS SigV4 signature', () => {
    const auth =
      'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260901/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=ff';
    const f = classifyHead(
      head('bedrock-runtime.us-east-1.amazonaws.com', '/model/m/converse', { authorization: auth }),
      policy,
    );
    expect(f.credential).toEqual({
      header: 'authorization',
      kind: 'aws_access_key_id',
      fingerprint: sha('AKIAEXAMPLE'),
    });
  });

  it('reads the Realtime key from the WebSocket subprotocol', () => {
    const h = { 'sec-websocket-protocol': 'realtime, openai-insecure-api-key.sk-proj-W' };
    const f = classifyHead(
      head('api.openai.com', '/v1/realtime', h, { websocket: true, method: 'GET' }),
      policy,
    );
    expect(f.credential).toEqual({
      header: 'sec-websocket-protocol',
      kind: 'openai_project_key',
      fingerprint: sha('sk-proj-W'),
    });
    expect(f.websocket).toBe(true);
  });

  it('reports the credential that would fail when a request carries several', () => {
    const read = readPolicySources('policies');
    if (!read.ok) throw new Error('unreadable');
    const extra = `version: 1\ncredentials:\n  - { provider: anthropic, fingerprint: ${sha('sk-ant-api03-A')}, label: a }\n`;
    const built = buildPolicy([...read.sources, { file: 'x', name: 'x', text: extra }]);
    if (!built.ok) throw new Error('invalid');
    const approvedFirst = { 'x-api-key': 'sk-ant-api03-A', authorization: 'Bearer sk-ant-api03-B' };
    expect(
      classifyHead(head('api.anthropic.com', '/v1/messages', approvedFirst), built.policy).credential
        ?.fingerprint,
    ).toBe(sha('sk-ant-api03-B'));
    const oauthSecond = { 'x-api-key': 'sk-ant-api03-A', authorization: 'Bearer sk-ant-oat01-C' };
    expect(
      classifyHead(head('api.anthropic.com', '/v1/messages', oauthSecond), built.policy).credential?.kind,
    ).toBe('anthropic_oauth_token');
    const same = { 'x-api-key': 'sk-ant-api03-A', authorization: 'Bearer sk-ant-api03-A' };
    expect(
      classifyHead(head('api.anthropic.com', '/v1/messages', same), built.policy).credential?.fingerprint,
    ).toBe(sha('sk-ant-api03-A'));
  });

  it('reads no credential on consumer hosts', () => {
    expect(
      classifyHead(head('chatgpt.com', '/', { authorization: 'Bearer session' }), policy).credential,
    ).toBeNull();
  });

  it('keeps organisation and project ids only when they look like ids', () => {
    expect(
      classifyHead(
        head('api.openai.com', '/', { 'openai-organization': 'org-ABC_1', 'openai-project': 'proj_1' }),
        policy,
      ),
    ).toMatchObject({
      orgId: 'org-ABC_1',
      projectId: 'proj_1',
    });
    expect(
      classifyHead(head('api.openai.com', '/', { 'openai-organization': 'not an id; <script>' }), policy)
        .orgId,
    ).toBeNull();
  });

  it('splits, trims and lower-cases anthropic-beta, and masks odd values', () => {
    const f = classifyHead(
      head('api.anthropic.com', '/', {
        'anthropic-beta': ' Files-API-2025-04-14 ,, context-1m-2025-08-07,some text!',
      }),
      policy,
    );
    expect(f.betas).toEqual(['files-api-2025-04-14', 'context-1m-2025-08-07', 'invalid']);
    expect(
      classifyHead(head('api.anthropic.com', '/', { 'anthropic-beta': ['a-1', 'b-2'] }), policy).betas,
    ).toEqual(['a-1', 'b-2']);
  });

  it.each([
    [{}, 'none'],
    [{ 'content-length': '0' }, 'none'],
    [{ 'content-length': '12' }, 'not_inspected'],
    [{ 'content-length': 'x' }, 'not_inspected'],
    [{ 'transfer-encoding': 'chunked' }, 'not_inspected'],
  ])('body state for %j is %s', (headers, state) => {
    expect(classifyHead(head('api.openai.com', '/', headers), policy).bodyState).toBe(state);
  });

  it('sees a browser navigation in Accept', () => {
    expect(
      classifyHead(head('chatgpt.com', '/', { accept: 'text/html,application/xhtml+xml' }), policy).wantsHtml,
    ).toBe(true);
    expect(classifyHead(head('chatgpt.com', '/', { accept: 'application/json' }), policy).wantsHtml).toBe(
      false,
    );
  });
});

describe('classifyBody', () => {
  const base = classifyHead(head('api.openai.com', '/v1/responses', { 'content-length': '10' }), policy);
  const enc = (v: unknown): Uint8Array =>
    new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

  it('extracts only the fields rules name', () => {
    const f = classifyBody(
      base,
      enc({
        model: 'gpt-5',
        input: 'TOP SECRET PROMPT',
        store: false,
        background: true,
        previous_response_id: 'resp_1',
        conversation: { id: 'conv_1' },
        tools: [
          { type: 'function', name: 'f' },
          { type: 'code_interpreter' },
          { name: 'x', allowed_callers: ['code_execution_20260120', 7] },
          'junk',
        ],
        mcp_servers: [{ url: 'u' }],
        container: { skills: [{ skill_id: 'pptx' }] },
      }),
    );
    expect(f.bodyState).toBe('parsed');
    expect(f.body).toEqual({
      model: 'gpt-5',
      store: false,
      background: true,
      previousResponseId: true,
      conversation: true,
      toolTypes: ['function', 'code_interpreter'],
      allowedCallers: ['code_execution_20260120'],
      mcpServers: true,
      skills: true,
    });
    expect(JSON.stringify(f)).not.toContain('TOP SECRET');
  });

  it('reads absent, null, false and empty values as not set', () => {
    const f = classifyBody(
      base,
      enc({ store: null, background: false, previous_response_id: null, mcp_servers: [], skills: [] }),
    );
    expect(f.body).toMatchObject({
      store: null,
      background: false,
      previousResponseId: false,
      mcpServers: false,
      skills: false,
      toolTypes: [],
      model: null,
    });
  });

  it('counts an odd but present value as set', () => {
    expect(classifyBody(base, enc({ background: 'yes' })).body?.background).toBe(true);
  });

  it.each([
    ['not JSON', 'model=gpt'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"x"'],
    ['tools that are not a list', { tools: { type: 'mcp' } }],
    ['a store that is not a boolean', { store: 'true' }],
  ])('marks %s unreadable', (_n, body) => {
    expect(classifyBody(base, enc(body))).toMatchObject({ bodyState: 'unreadable', body: null });
  });

  it('marks invalid UTF-8 unreadable', () => {
    expect(classifyBody(base, new Uint8Array([0x7b, 0xff, 0x7d])).bodyState).toBe('unreadable');
  });

  it('marks an empty body as none and an oversized one as too_large', () => {
    expect(classifyBody(base, new Uint8Array(0)).bodyState).toBe('none');
    expect(classifyBody(base, 'too_large')).toMatchObject({ bodyState: 'too_large', body: null });
  });
});
