// The real `openai` npm client through the real proxy to a fake api.openai.com (mockttp, reached by
// --resolve, trusted by --upstream-ca). An approved ZDR key on ZDR-eligible endpoints passes unchanged,
// streaming and not; every retaining request is refused with the SDK's own PermissionDeniedError
// carrying our reason and decision id, and the fake upstream never sees it.
import OpenAI, { toFile } from 'openai';
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

const APPROVED_KEY = 'sk-proj-e2eApprovedAAAAAAAAAAAAAAT3BlbkFJe2eApprovedBBBBBBBBBBBBBBBB';
const PERSONAL_KEY = 'sk-proj-e2ePersonalAAAAAAAAAAAAAAT3BlbkFJe2ePersonalBBBBBBBBBBBBBBBB';

const CHAT_COMPLETION = {
  id: 'chatcmpl-e2e',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4.1',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'hello from the fake' }, finish_reason: 'stop' },
  ],
};

const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-e2e',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4.1',
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`;
const CHAT_STREAM =
  chunk({ role: 'assistant', content: 'hel' }) +
  chunk({ content: 'lo' }) +
  chunk({}, 'stop') +
  'data: [DONE]\n\n';

const RESPONSE = {
  id: 'resp_e2e',
  object: 'response',
  created_at: 1,
  status: 'completed',
  model: 'gpt-4.1',
  output: [
    {
      type: 'message',
      id: 'msg_e2e',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'hello from the fake', annotations: [] }],
    },
  ],
};
const event = (type: string, data: Record<string, unknown>): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const RESPONSE_STREAM =
  event('response.created', {
    sequence_number: 0,
    response: { ...RESPONSE, status: 'in_progress', output: [] },
  }) +
  event('response.output_text.delta', {
    sequence_number: 1,
    item_id: 'msg_e2e',
    output_index: 0,
    content_index: 0,
    delta: 'hello',
  }) +
  event('response.completed', { sequence_number: 2, response: RESPONSE });

let fake: FakeProvider;
let zdr: TestEgress;
let transport: SdkTransport;

function client(apiKey: string): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: 'https://api.openai.com/v1',
    maxRetries: 0,
    fetch: transport.fetch,
    fetchOptions: { dispatcher: transport.dispatcher },
  });
}

beforeAll(async () => {
  fake = await startFakeProvider();
  const { server } = fake.upstream;
  await server
    .forPost('/v1/chat/completions')
    .always()
    .thenCallback(async (req) => {
      const body = (await req.body.getJson()) as { stream?: boolean };
      return body.stream === true
        ? { statusCode: 200, headers: { 'content-type': 'text/event-stream' }, body: CHAT_STREAM }
        : { statusCode: 200, json: CHAT_COMPLETION };
    });
  await server
    .forPost('/v1/responses')
    .always()
    .thenCallback(async (req) => {
      const body = (await req.body.getJson()) as { stream?: boolean };
      return body.stream === true
        ? { statusCode: 200, headers: { 'content-type': 'text/event-stream' }, body: RESPONSE_STREAM }
        : { statusCode: 200, json: RESPONSE };
    });
  await server.forAnyRequest().always().thenReply(599, 'the fake upstream was reached');
  zdr = await startTestEgress({
    resolve: fake.upstream.resolveFor('api.openai.com'),
    upstreamCa: [fake.upstream.caFile],
    approve: [{ provider: 'openai', key: APPROVED_KEY }],
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
  expect(seen.headers.host).toBe('api.openai.com');
  expect(seen.headers.authorization).toBe(`Bearer ${APPROVED_KEY}`);
  for (const [name, value] of Object.entries(sent.headers)) expect(seen.headers[name], name).toBe(value);
  expect(sent.body).not.toBeNull();
  expect(seen.body.buffer.toString('utf8')).toBe(sent.body);
}

const chat = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'hello' }] };

describe('openai SDK through zdr-egress: an approved key on ZDR-eligible endpoints', () => {
  it('passes chat.completions.create unchanged and returns the upstream answer', async () => {
    const { data, response } = await client(APPROVED_KEY).chat.completions.create(chat).withResponse();
    expect(data.choices[0]?.message.content).toBe('hello from the fake');
    expect(response.headers.get('x-zdr-egress-decision')).toBe('allow');
    expectForwardedUnchanged('/v1/chat/completions');
    const line = await decisionLine(zdr, response.headers.get('x-zdr-egress-decision-id') ?? '');
    expect(line).toMatchObject({ action: 'allow', rule_id: 'openai.chat_completions', status: 200 });
  });

  it('passes a streaming chat completion and delivers every event', async () => {
    const stream = await client(APPROVED_KEY).chat.completions.create({ ...chat, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('hello');
    expectForwardedUnchanged('/v1/chat/completions');
  });

  it('passes responses.create with store: false unchanged', async () => {
    const res = await client(APPROVED_KEY).responses.create({ model: 'gpt-4.1', input: 'hi', store: false });
    expect(res.output_text).toBe('hello from the fake');
    expectForwardedUnchanged('/v1/responses');
  });

  it('passes a streaming responses.create and delivers every event', async () => {
    const stream = await client(APPROVED_KEY).responses.create({
      model: 'gpt-4.1',
      input: 'hi',
      stream: true,
    });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    expect(types).toEqual(['response.created', 'response.output_text.delta', 'response.completed']);
    expectForwardedUnchanged('/v1/responses');
  });
});

interface BlockCase {
  readonly name: string;
  readonly key: string;
  readonly reason: string;
  readonly rule: string;
  readonly call: (c: OpenAI) => Promise<unknown>;
}

const BLOCKED: BlockCase[] = [
  {
    name: 'a personal (unapproved) key on chat completions',
    key: PERSONAL_KEY,
    reason: 'unapproved_credential',
    rule: 'builtin.unapproved_credential',
    call: (c) => c.chat.completions.create(chat),
  },
  {
    name: 'batches.create',
    key: APPROVED_KEY,
    reason: 'data_retaining_endpoint',
    rule: 'openai.batches',
    call: (c) =>
      c.batches.create({
        input_file_id: 'file-e2e',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
  },
  {
    name: 'a file upload (files.create)',
    key: APPROVED_KEY,
    reason: 'data_retaining_endpoint',
    rule: 'openai.files',
    call: async (c) =>
      c.files.create({
        file: await toFile(Buffer.from('{"custom_id":"1"}\n'), 'batch.jsonl'),
        purpose: 'batch',
      }),
  },
  {
    name: 'responses.create with store: true',
    key: APPROVED_KEY,
    reason: 'retaining_feature',
    rule: 'openai.store_true',
    call: (c) => c.responses.create({ model: 'gpt-4.1', input: 'hi', store: true }),
  },
  {
    name: 'responses.create with background: true',
    key: APPROVED_KEY,
    reason: 'retaining_feature',
    rule: 'openai.background',
    call: (c) => c.responses.create({ model: 'gpt-4.1', input: 'hi', background: true }),
  },
  {
    name: 'a code_interpreter tool',
    key: APPROVED_KEY,
    reason: 'retaining_tool',
    rule: 'openai.code_interpreter',
    call: (c) =>
      c.responses.create({
        model: 'gpt-4.1',
        input: 'plot this',
        tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
      }),
  },
  {
    name: 'previous_response_id',
    key: APPROVED_KEY,
    reason: 'retaining_feature',
    rule: 'openai.previous_response_id',
    call: (c) =>
      c.responses.create({ model: 'gpt-4.1', input: 'and then?', previous_response_id: 'resp_e2e' }),
  },
];

describe('openai SDK through zdr-egress: retaining requests are refused before the upstream', () => {
  it.each(BLOCKED)(
    'refuses $name with PermissionDeniedError ($reason)',
    async ({ key, reason, rule, call }) => {
      const error = await rejection(call(client(key)));
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
      const e = error as InstanceType<typeof OpenAI.PermissionDeniedError>;
      expect(e.status).toBe(403);
      expect(e.code).toBe(reason);
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

  it('refuses a blocked streaming request before any event: the call itself rejects', async () => {
    let events = 0;
    const error = await rejection(
      (async () => {
        const stream = await client(APPROVED_KEY).responses.create({
          model: 'gpt-4.1',
          input: 'hi',
          store: true,
          stream: true,
        });
        for await (const _ of stream) events++;
      })(),
    );
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('retaining_feature');
    expect(events).toBe(0);
    expect(fake.seen).toEqual([]);
  });

  it('refuses a personal key on a streaming chat completion before any event', async () => {
    const error = await rejection(client(PERSONAL_KEY).chat.completions.create({ ...chat, stream: true }));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('unapproved_credential');
    expect(fake.seen).toEqual([]);
  });
});
