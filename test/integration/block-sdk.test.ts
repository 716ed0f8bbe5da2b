// The block responses against clients we did not write: the official `openai` and `@anthropic-ai/sdk`
// packages must raise their own PermissionDeniedError carrying our reason and decision id, streaming
// or not, and curl must show the 403 and the zdr-egress headers. A local server stands in for the
// proxy and answers every request with renderBlock() for one provider.

import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BLOCK_PAGE } from '../../src/block/config.js';
import { renderBlock } from '../../src/block/render.js';
import type { Decision } from '../../src/domain/decision.js';
import type { RuleId } from '../../src/domain/facts.js';

const run = promisify(execFile);

const EXPLANATION = 'This API key is not on the approved list for zero data retention';
const REMEDY = 'Use the company key from the AI portal';

interface BlockServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** A stand-in proxy: every request, whatever its method or body, gets the block for `provider`. */
async function startBlockServer(provider: string, host: string, decisionId: string): Promise<BlockServer> {
  const requests: string[] = [];
  const decision: Decision = {
    action: 'block',
    reason: 'unapproved_credential',
    ruleId: 'credentials.approved' as RuleId,
    explanation: EXPLANATION,
    remedy: REMEDY,
    inject: [],
  };
  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    req.resume();
    req.on('end', () => {
      const out = renderBlock(
        {
          decision,
          decisionId,
          host,
          path: (req.url ?? '/').split('?')[0] ?? '/',
          provider,
          surface: 'api',
          wantsHtml: /\btext\/html\b/.test(req.headers.accept ?? ''),
        },
        DEFAULT_BLOCK_PAGE,
      );
      res.writeHead(out.status, out.headers).end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Awaits `promise` and returns what it rejected with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the SDK call to reject');
}

describe('openai SDK against a block', () => {
  let server: BlockServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startBlockServer('openai', 'api.openai.com', 'dec_openai_1');
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => server.close());

  function expectOurError(error: unknown): void {
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const e = error as InstanceType<typeof OpenAI.PermissionDeniedError>;
    expect(e.status).toBe(403);
    expect(e.message).toContain(EXPLANATION);
    expect(e.message).toContain(REMEDY);
    expect(e.message).toContain('decision id: dec_openai_1');
    expect(e.code).toBe('unapproved_credential');
    expect(e.type).toBe('permission_denied');
    expect(e.headers?.get('x-zdr-egress-decision-id')).toBe('dec_openai_1');
  }

  const chat = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'hello' }] };

  it('raises PermissionDeniedError for chat.completions.create', async () => {
    expectOurError(await rejection(client.chat.completions.create(chat)));
  });

  it('raises PermissionDeniedError before any event for a streaming chat completion', async () => {
    expectOurError(await rejection(client.chat.completions.create({ ...chat, stream: true })));
  });

  it('raises PermissionDeniedError for responses.create, streaming and not', async () => {
    expectOurError(await rejection(client.responses.create({ model: 'gpt-4.1', input: 'hello' })));
    expectOurError(
      await rejection(client.responses.create({ model: 'gpt-4.1', input: 'hello', stream: true })),
    );
  });

  it('was asked once per call: a 403 is not retried', () => {
    expect(server.requests).toEqual([
      'POST /v1/chat/completions',
      'POST /v1/chat/completions',
      'POST /v1/responses',
      'POST /v1/responses',
    ]);
  });
});

describe('@anthropic-ai/sdk against a block', () => {
  let server: BlockServer;
  let client: Anthropic;
  beforeAll(async () => {
    server = await startBlockServer('anthropic', 'api.anthropic.com', 'dec_anthropic_1');
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.url, maxRetries: 0 });
  });
  afterAll(() => server.close());

  function expectOurError(error: unknown): void {
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const e = error as InstanceType<typeof Anthropic.PermissionDeniedError>;
    expect(e.status).toBe(403);
    expect(e.message).toContain(EXPLANATION);
    expect(e.message).toContain(REMEDY);
    expect(e.message).toContain('decision id: dec_anthropic_1');
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    expect(e.headers?.get('x-zdr-egress-reason')).toBe('unapproved_credential');
  }

  const params = {
    model: 'claude-sonnet-5-5',
    max_tokens: 64,
    messages: [{ role: 'user' as const, content: 'hello' }],
  };

  it('raises PermissionDeniedError for messages.create', async () => {
    expectOurError(await rejection(client.messages.create(params)));
  });

  it('raises PermissionDeniedError before any event for messages.create with stream: true', async () => {
    expectOurError(await rejection(client.messages.create({ ...params, stream: true })));
  });

  it('raises PermissionDeniedError from the messages.stream helper', async () => {
    const stream = client.messages.stream(params);
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    expectOurError(await rejection(stream.finalMessage()));
    expect(events).toEqual([]);
  });
});

describe('curl against a block', () => {
  let server: BlockServer;
  beforeAll(async () => {
    server = await startBlockServer('openai', 'api.openai.com', 'dec_curl_1');
  });
  afterAll(() => server.close());

  it('shows the 403, the zdr-egress headers and the OpenAI-shaped body', async () => {
    const { stdout } = await run('curl', [
      '-s',
      '-i',
      '-X',
      'POST',
      '-d',
      '{}',
      `${server.url}/v1/chat/completions`,
    ]);
    const [head = '', body = ''] = stdout.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(head).toMatch(/^x-zdr-egress-decision: block$/im);
    expect(head).toMatch(/^x-zdr-egress-decision-id: dec_curl_1$/im);
    expect(head).toMatch(/^x-zdr-egress-reason: unapproved_credential$/im);
    expect(head).toMatch(/^content-type: application\/json; charset=utf-8$/im);
    const parsed = JSON.parse(body) as { error: { message: string; code: string } };
    expect(parsed.error.code).toBe('unapproved_credential');
    expect(parsed.error.message).toContain('decision id: dec_curl_1');
  });

  it('gets the HTML block page when it asks for text/html', async () => {
    const { stdout } = await run('curl', ['-s', '-i', '-H', 'Accept: text/html', `${server.url}/`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(stdout).toMatch(/^content-type: text\/html; charset=utf-8$/im);
    expect(stdout).toMatch(/^content-security-policy: default-src 'none'/im);
    expect(stdout).toContain('<code class="decision-id">dec_curl_1</code>');
  });
});
