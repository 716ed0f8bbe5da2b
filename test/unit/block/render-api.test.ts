import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_BLOCK_PAGE } from '../../../src/block/config.js';
import { renderBlock, renderConnectRefusal } from '../../../src/block/render.js';
import type { ReasonCode } from '../../../src/domain/reason.js';
import { blockInput, decision } from './fixtures.js';

/** Any Unicode text, control characters and line separators included. */
const anyText = fc.string({ unit: 'binary', maxLength: 64 });

const MESSAGE =
  'Blocked by zdr-egress (api.openai.com/v1/files): The Files API keeps uploaded files until they are deleted. ' +
  'Send the content inline in /v1/responses instead. (decision id: dec_01HZYX, reason: data_retaining_endpoint)';

const OPENAI_SHAPE = {
  error: { message: MESSAGE, type: 'permission_denied', param: null, code: 'data_retaining_endpoint' },
};
const GOOGLE_SHAPE = {
  error: {
    code: 403,
    message: MESSAGE,
    status: 'PERMISSION_DENIED',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'DATA_RETAINING_ENDPOINT',
        domain: 'zdr-egress',
        metadata: { decision_id: 'dec_01HZYX' },
      },
    ],
  },
};
const GENERIC_SHAPE = {
  error: { message: MESSAGE, code: 'data_retaining_endpoint', decision_id: 'dec_01HZYX' },
};

describe('renderBlock for API clients', () => {
  it.each([
    ['openai', OPENAI_SHAPE],
    ['azure_openai', OPENAI_SHAPE],
    ['mistral', OPENAI_SHAPE],
    ['xai', OPENAI_SHAPE],
    ['deepseek', OPENAI_SHAPE],
    ['perplexity', OPENAI_SHAPE],
    ['openrouter', OPENAI_SHAPE],
    ['groq', OPENAI_SHAPE],
    ['anthropic', { type: 'error', error: { type: 'permission_error', message: MESSAGE } }],
    ['google', GOOGLE_SHAPE],
    ['vertex', GOOGLE_SHAPE],
    ['bedrock', { message: MESSAGE }],
    ['cohere', { message: MESSAGE }],
    ['chatgpt', GENERIC_SHAPE],
    [null, GENERIC_SHAPE],
    ['__proto__', GENERIC_SHAPE],
    ['constructor', GENERIC_SHAPE],
  ])('answers provider %s with its own error shape', (provider, shape) => {
    const out = renderBlock(blockInput({ provider }), DEFAULT_BLOCK_PAGE);
    expect(out.status).toBe(403);
    expect(JSON.parse(out.body)).toEqual(shape);
    expect(out.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('adds the AWS error type header for Bedrock only', () => {
    expect(
      renderBlock(blockInput({ provider: 'bedrock' }), DEFAULT_BLOCK_PAGE).headers['x-amzn-errortype'],
    ).toBe('AccessDeniedException');
    expect(renderBlock(blockInput(), DEFAULT_BLOCK_PAGE).headers['x-amzn-errortype']).toBeUndefined();
  });

  it('carries the zdr-egress headers on every response', () => {
    const out = renderBlock(blockInput(), DEFAULT_BLOCK_PAGE);
    expect(out.headers).toMatchObject({
      'x-zdr-egress-decision': 'block',
      'x-zdr-egress-decision-id': 'dec_01HZYX',
      'x-zdr-egress-reason': 'data_retaining_endpoint',
      'cache-control': 'no-store',
      'content-length': String(Buffer.byteLength(out.body)),
    });
  });

  it('treats warn as a block for API clients', () => {
    const out = renderBlock(
      blockInput({ decision: decision({ action: 'warn' }), continueUrl: '/__zdr/continue' }),
      DEFAULT_BLOCK_PAGE,
    );
    expect(out.status).toBe(403);
    expect(out.headers['x-zdr-egress-decision']).toBe('block');
    expect(out.body).not.toContain('continue');
  });

  it('counts content-length in bytes for non-ASCII text', () => {
    const out = renderBlock(
      blockInput({ decision: decision({ explanation: 'Données envoyées à 日本 — non autorisé 🚫' }) }),
      DEFAULT_BLOCK_PAGE,
    );
    expect(Number(out.headers['content-length'])).toBe(Buffer.byteLength(out.body, 'utf8'));
    expect(Number(out.headers['content-length'])).toBeGreaterThan(out.body.length);
  });

  it('keeps the message on one line and shortens a long path', () => {
    const out = renderBlock(
      blockInput({
        path: `/v1/${'x'.repeat(500)}`,
        decision: decision({ explanation: 'first line\r\nsecond line\u2028third', remedy: '' }),
      }),
      DEFAULT_BLOCK_PAGE,
    );
    const message = (JSON.parse(out.body) as { error: { message: string } }).error.message;
    expect(message).not.toMatch(/[\r\n\u2028]/);
    expect(message).toContain('first line second line third.');
    expect(message).toContain('…');
    expect(message.length).toBeLessThan(300);
  });

  it('says something useful when the decision has no explanation or remedy', () => {
    const out = renderBlock(
      blockInput({ decision: decision({ explanation: ' ', remedy: '' }) }),
      DEFAULT_BLOCK_PAGE,
    );
    expect(out.body).toContain('This request is not allowed by company policy.');
  });

  it('strips line breaks and non-ASCII from header values', () => {
    const out = renderBlock(blockInput({ decisionId: 'abc\r\nSet-Cookie: x=1\u00e9' }), DEFAULT_BLOCK_PAGE);
    expect(out.headers['x-zdr-egress-decision-id']).toBe('abcSet-Cookie:x=1');
    for (const value of Object.values(out.headers)) expect(value).toMatch(/^[\x20-\x7e]+$/);
  });

  it('reports a reason outside the closed set as internal_error', () => {
    const bogus = decision({ reason: 'made_up' as ReasonCode });
    const out = renderBlock(blockInput({ decision: bogus }), DEFAULT_BLOCK_PAGE);
    expect(out.headers['x-zdr-egress-reason']).toBe('internal_error');
  });

  it('produces safe headers and parseable one-line JSON for any host, path and wording', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, anyText, (host, path, ex, re, id) => {
        const out = renderBlock(
          blockInput({ host, path, decisionId: id, decision: decision({ explanation: ex, remedy: re }) }),
          DEFAULT_BLOCK_PAGE,
        );
        for (const value of Object.values(out.headers)) expect(value).toMatch(/^[\x20-\x7e]+$/);
        const message = (JSON.parse(out.body) as { error: { message: string } }).error.message;
        expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
        expect(Number(out.headers['content-length'])).toBe(Buffer.byteLength(out.body));
      }),
    );
  });
});

describe('renderConnectRefusal', () => {
  it('answers 403 with the zdr-egress headers and a short text body', () => {
    const out = renderConnectRefusal('connect_refused', 'dec_42');
    expect(out.status).toBe(403);
    expect(out.headers).toMatchObject({
      'x-zdr-egress-decision': 'block',
      'x-zdr-egress-decision-id': 'dec_42',
      'x-zdr-egress-reason': 'connect_refused',
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'close',
      'content-length': String(Buffer.byteLength(out.body)),
    });
    expect(out.body).toBe(
      "This app can't be used on the company network. Blocked by zdr-egress before any data was sent " +
        '(reason: connect_refused, decision id: dec_42).\n',
    );
  });

  it('never lets a bad decision id split the header block', () => {
    const out = renderConnectRefusal('port_not_allowed', 'x\r\n\r\nHTTP/1.1 200 OK');
    expect(out.headers['x-zdr-egress-decision-id']).toBe('xHTTP/1.1200OK');
    expect(out.body).not.toMatch(/\r/);
  });
});
