// Blocks for SDKs and CLIs: a 403 in the provider's own error shape, so the official client raises its
// own permission error and shows our one-line message (what, why, what instead, the decision id).
// Shapes are from INTERFACES.md "On the wire"; the SDK tests in test/integration/block-sdk.test.ts
// prove them with clients we did not write.

import type { ReasonCode } from '../domain/reason.js';

/** Error-body families; a provider id that is not listed here gets `generic`. */
export type ErrorShape = 'openai' | 'anthropic' | 'google' | 'bedrock' | 'cohere' | 'generic';

const SHAPE_BY_PROVIDER: Readonly<Record<string, ErrorShape>> = Object.freeze({
  // OpenAI-compatible APIs: the openai SDK (and most others) read error.message / type / code.
  openai: 'openai',
  azure_openai: 'openai',
  mistral: 'openai',
  xai: 'openai',
  deepseek: 'openai',
  perplexity: 'openai',
  openrouter: 'openai',
  groq: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  vertex: 'google',
  bedrock: 'bedrock',
  cohere: 'cohere',
});

export function errorShapeFor(provider: string | null): ErrorShape {
  if (provider === null) return 'generic';
  return Object.hasOwn(SHAPE_BY_PROVIDER, provider) ? (SHAPE_BY_PROVIDER[provider] ?? 'generic') : 'generic';
}

/** Longest host+path quoted in a message: a path is caller-controlled and must not flood a terminal. */
const MAX_TARGET_CHARS = 160;

/** One line, trimmed, ending in punctuation; empty input stays empty. */
export function sentence(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
  if (line === '') return '';
  return /[.!?)]$/.test(line) ? line : `${line}.`;
}

/** host + path on one line, control characters dropped, shortened with an ellipsis. */
export function describeTarget(host: string, path: string): string {
  const target = `${host}${path}`.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, '');
  return target.length > MAX_TARGET_CHARS ? `${target.slice(0, MAX_TARGET_CHARS - 1)}…` : target;
}

/**
 * "Blocked by zdr-egress (api.openai.com/v1/files): <explanation> <remedy> (decision id: X, reason: r)".
 * Never quotes request content beyond the host and path.
 */
export function blockMessage(opts: {
  explanation: string;
  remedy: string;
  decisionId: string;
  reason: ReasonCode;
  host: string;
  path: string;
}): string {
  const parts = [sentence(opts.explanation), sentence(opts.remedy)].filter((p) => p !== '');
  const why = parts.length > 0 ? parts.join(' ') : 'This request is not allowed by company policy.';
  return (
    `Blocked by zdr-egress (${describeTarget(opts.host, opts.path)}): ${why} ` +
    `(decision id: ${opts.decisionId}, reason: ${opts.reason})`
  );
}

export interface ApiErrorBody {
  readonly body: string;
  readonly extraHeaders: Readonly<Record<string, string>>;
}

export function apiErrorBody(
  shape: ErrorShape,
  message: string,
  reason: ReasonCode,
  decisionId: string,
): ApiErrorBody {
  switch (shape) {
    case 'openai':
      return json({ error: { message, type: 'permission_denied', param: null, code: reason } });
    case 'anthropic':
      return json({ type: 'error', error: { type: 'permission_error', message } });
    case 'google':
      return json({
        error: {
          code: 403,
          message,
          status: 'PERMISSION_DENIED',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: reason.toUpperCase(),
              domain: 'zdr-egress',
              metadata: { decision_id: decisionId },
            },
          ],
        },
      });
    case 'bedrock':
      // The AWS SDKs take the error class from this header and the text from `message`.
      return json({ message }, { 'x-amzn-errortype': 'AccessDeniedException' });
    case 'cohere':
      return json({ message });
    case 'generic':
      return json({ error: { message, code: reason, decision_id: decisionId } });
    default:
      return assertNever(shape);
  }
}

function json(value: unknown, extraHeaders: Readonly<Record<string, string>> = {}): ApiErrorBody {
  return { body: JSON.stringify(value), extraHeaders };
}

function assertNever(value: never): never {
  throw new Error(`unhandled error shape: ${String(value)}`);
}
