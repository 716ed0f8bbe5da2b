// The real `@anthropic-ai/sdk` client through the real proxy to a fake api.anthropic.com (mockttp,
// reached by --resolve, trusted by --upstream-ca). An approved key on messages (streaming and not) and
// count_tokens passes unchanged; personal keys, OAuth tokens, batches, files, code execution, the MCP
// connector and retaining beta headers are refused with the SDK's own PermissionDeniedError, and the
// fake upstream never sees them.
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestEgress, type TestEgress } from '../helpers/egress.js';
import {
  decisionLine,
  rejection,
  sdkTransport,
  startFakeProvider,
  type FakeProvider,
  type SdkTransport,
} from '../helpers/sdk.js';

const APPROVED_KEY =
  'sk-ant-api03-e2eApprovedAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-AAAAAAAA';
const PERSONAL_KEY =
  'sk-ant-api03-e2ePersonalAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-AAAAAAAA';
const OAUTH_TOKEN =
  'sk-ant-oat01-e2eSubscriptionAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-AAAAAAAA';
const MODEL = 'claude-sonnet-5';

const MESSAGE = {
  id: 'msg_e2e',
  type: 'message',
  role: 'assistant',
  model: MODEL,
  content: [{ type: 'text', text: 'hello from the fake' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 4 },
};

const sse = (type: string, data: Record<string, unknown>): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const MESSAGE_STREAM = [
  sse('message_start', { message: { ...MESSAGE, content: [], stop_reason: null } }),
  sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hel' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'lo' } }),
  sse('content_block_stop', { index: 0 }),
  sse('message_delta', {
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: 2 },
  }),
  sse('message_stop', {}),
].join('');

let fake: FakeProvider;
let zdr: TestEgress;
let transport: SdkTransport;

function client(auth: { apiKey: string } | { authToken: string }): Anthropic {
  return new Anthropic({
    apiKey: null,
    authToken: null,
    ...auth,
    baseURL: 'https://api.anthropic.com',
    maxRetries: 0,
    fetch: transport.fetch,
    fetchOptions: { dispatcher: transport.dispatcher },
  });
}
const approved = (): Anthropic => client({ apiKey: APPROVED_KEY });

beforeAll(async () => {
  fake = await startFakeProvider();
  const { server } = fake.upstream;
  await server
    .forPost('/v1/messages')
    .always()
    .thenCallback(async (req) => {
      const body = (await req.body.getJson()) as { stream?: boolean };
      return body.stream === true
        ? { statusCode: 200, headers: { 'content-type': 'text/event-stream' }, body: MESSAGE_STREAM }
        : { statusCode: 200, json: MESSAGE };
    });
  await server.forPost('/v1/messages/count_tokens').always().thenJson(200, { input_tokens: 5 });
  await server.forAnyRequest().always().thenReply(599, 'the fake upstream was reached');
  zdr = await startTestEgress({
    resolve: fake.upstream.resolveFor('api.anthropic.com'),
    upstreamCa: [fake.upstream.caFile],
    approve: [{ provider: 'anthropic', key: APPROVED_KEY }],
  });
  transport = sdkTransport(zdr.proxyUrl, zdr.caPem);
});

afterAll(async () => {
  await transport?.close();
  await zdr?.stop();
  await fake?.upstream.stop();
});

beforeEach(() => {
  fake.seen.length = 0;
  transport.sent.length = 0;
});

/** The fake saw exactly the request the SDK sent: same path, every header it set, byte-identical body. */
function expectForwardedUnchanged(path: string): void {
  expect(fake.seen).toHaveLength(1);
  const seen = fake.seen[0]!;
  const sent = transport.sent.at(-1)!;
  expect(new URL(seen.url).pathname).toBe(path);
  expect(seen.headers.host).toBe('api.anthropic.com');
  expect(seen.headers.authorization ?? seen.headers['x-api-key']).toContain(APPROVED_KEY);
  for (const [name, value] of Object.entries(sent.headers)) expect(seen.headers[name], name).toBe(value);
  expect(sent.body).not.toBeNull();
  expect(seen.body.buffer.toString('utf8')).toBe(sent.body);
}

const hello = { model: MODEL, max_tokens: 64, messages: [{ role: 'user' as const, content: 'hello' }] };

describe('anthropic SDK through zdr-egress: an approved key on ZDR-eligible endpoints', () => {
  it('passes messages.create unchanged and returns the upstream answer', async () => {
    const { data, response } = await approved().messages.create(hello).withResponse();
    expect(data.content[0]).toEqual({ type: 'text', text: 'hello from the fake' });
    expect(response.headers.get('x-zdr-egress-decision')).toBe('allow');
    expectForwardedUnchanged('/v1/messages');
    const line = await decisionLine(zdr, response.headers.get('x-zdr-egress-decision-id') ?? '');
    expect(line).toMatchObject({ action: 'allow', rule_id: 'anthropic.messages', status: 200 });
  });

  it('passes a streaming messages.create and delivers every event', async () => {
    const stream = await approved().messages.create({ ...hello, stream: true });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expectForwardedUnchanged('/v1/messages');
  });

  it('passes messages.stream() and assembles the final message', async () => {
    const final = await approved().messages.stream(hello).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'hello' });
    expectForwardedUnchanged('/v1/messages');
  });

  it('passes messages.countTokens unchanged', async () => {
    const count = await approved().messages.countTokens({ model: MODEL, messages: hello.messages });
    expect(count.input_tokens).toBe(5);
    expectForwardedUnchanged('/v1/messages/count_tokens');
  });
});

interface BlockCase {
  readonly name: string;
  readonly auth: { apiKey: string } | { authToken: string };
  readonly reason: string;
  readonly rule: string;
  readonly call: (c: Anthropic) => Promise<unknown>;
}

const BLOCKED: BlockCase[] = [
  {
    name: 'a personal (unapproved) key',
    auth: { apiKey: PERSONAL_KEY },
    reason: 'unapproved_credential',
    rule: 'builtin.unapproved_credential',
    call: (c) => c.messages.create(hello),
  },
  {
    name: 'an OAuth subscription token (authToken sk-ant-oat01-)',
    auth: { authToken: OAUTH_TOKEN },
    reason: 'oauth_token',
    rule: 'builtin.oauth_token',
    call: (c) => c.messages.create(hello),
  },
  {
    name: 'messages.batches.create',
    auth: { apiKey: APPROVED_KEY },
    reason: 'data_retaining_endpoint',
    rule: 'anthropic.batches',
    call: (c) => c.messages.batches.create({ requests: [{ custom_id: 'one', params: hello }] }),
  },
  {
    name: 'a file upload (beta.files.upload)',
    auth: { apiKey: APPROVED_KEY },
    reason: 'data_retaining_endpoint',
    rule: 'anthropic.files',
    call: async (c) =>
      c.beta.files.upload({
        file: await toFile(Buffer.from('quarterly numbers'), 'q3.txt', { type: 'text/plain' }),
      }),
  },
  {
    name: 'a code_execution_20250825 tool',
    auth: { apiKey: APPROVED_KEY },
    reason: 'retaining_tool',
    rule: 'anthropic.code_execution',
    call: (c) =>
      c.messages.create({ ...hello, tools: [{ type: 'code_execution_20250825', name: 'code_execution' }] }),
  },
  {
    name: 'mcp_servers (the MCP connector)',
    auth: { apiKey: APPROVED_KEY },
    reason: 'retaining_tool',
    rule: 'anthropic.mcp_servers',
    // The non-beta params do not declare mcp_servers; the SDK sends the body as given.
    call: (c) =>
      c.messages.create({
        ...hello,
        mcp_servers: [{ type: 'url', url: 'https://mcp.example.test/sse', name: 'example' }],
      } as Anthropic.MessageCreateParamsNonStreaming),
  },
  {
    name: 'a Covered Model that requires 30-day retention (claude-mythos-5)',
    auth: { apiKey: APPROVED_KEY },
    reason: 'retaining_feature',
    rule: 'anthropic.covered_models',
    call: (c) => c.messages.create({ ...hello, model: 'claude-mythos-5' }),
  },
  {
    name: 'an anthropic-beta: files-api-2025-04-14 header',
    auth: { apiKey: APPROVED_KEY },
    reason: 'retaining_beta',
    rule: 'anthropic.beta_files',
    call: (c) => c.messages.create(hello, { headers: { 'anthropic-beta': 'files-api-2025-04-14' } }),
  },
];

describe('anthropic SDK through zdr-egress: retaining requests are refused before the upstream', () => {
  it.each(BLOCKED)(
    'refuses $name with PermissionDeniedError ($reason)',
    async ({ auth, reason, rule, call }) => {
      const error = await rejection(call(client(auth)));
      expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
      const e = error as InstanceType<typeof Anthropic.PermissionDeniedError>;
      expect(e.status).toBe(403);
      expect(e.error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
      expect(e.headers?.get('x-zdr-egress-decision')).toBe('block');
      expect(e.headers?.get('x-zdr-egress-reason')).toBe(reason);
      const id = e.headers?.get('x-zdr-egress-decision-id') ?? '';
      expect(e.message).toContain(`decision id: ${id}`);
      expect(e.message).toContain(`reason: ${reason}`);
      expect(await decisionLine(zdr, id)).toMatchObject({
        action: 'block',
        reason,
        rule_id: rule,
        status: 403,
      });
      expect(fake.seen).toEqual([]);
    },
  );

  it('refuses a blocked streaming request before any event: messages.stream() emits none', async () => {
    const events: string[] = [];
    const stream = client({ apiKey: PERSONAL_KEY }).messages.stream(hello);
    stream.on('streamEvent', (e) => events.push(e.type));
    const error = await rejection(stream.finalMessage());
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((error as InstanceType<typeof Anthropic.PermissionDeniedError>).message).toContain(
      'reason: unapproved_credential',
    );
    expect(events).toEqual([]);
    expect(fake.seen).toEqual([]);
  });

  it('refuses a streaming messages.create with a retaining tool from the call itself', async () => {
    const error = await rejection(
      approved().messages.create({
        ...hello,
        stream: true,
        tools: [{ type: 'code_execution_20250825', name: 'code_execution' }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((error as InstanceType<typeof Anthropic.PermissionDeniedError>).message).toContain(
      'reason: retaining_tool',
    );
    expect(fake.seen).toEqual([]);
  });
});
