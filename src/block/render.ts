// What zdr-egress answers when it blocks: the entry points the proxy calls. Pure: same input, same
// response; nothing is kept. Every response is a 403 with the X-ZDR-Egress-* headers; browsers get the
// HTML page, everything else the provider's own error shape. `warn` is a coach page for browsers only:
// API clients cannot click Continue, so for them it is a block.

import type { Decision } from '../domain/decision.js';
import type { Surface } from '../domain/facts.js';
import type { ReasonCode } from '../domain/reason.js';
import { apiErrorBody, blockMessage, errorShapeFor } from './api-error.js';
import type { BlockPageConfig } from './config.js';
import { headlineFor, WARN_HEADLINE } from './headlines.js';
import { pageCsp, renderPage } from './page.js';
import { buildResponse, safeDecisionId, safeReason, type BlockResponse } from './response.js';

export type { BlockResponse } from './response.js';

export interface BlockInput {
  /** action 'block' (or anything but 'warn') renders a block; 'warn' the coach page for browsers. */
  readonly decision: Decision;
  readonly decisionId: string;
  readonly host: string;
  /** Path only: the proxy cuts the query string before anything sees the URL. */
  readonly path: string;
  /** Catalog provider id; picks the API error shape. null = unknown → generic JSON. */
  readonly provider: string | null;
  readonly surface: Surface | null;
  /** Accept prefers text/html (a browser navigation). */
  readonly wantsHtml: boolean;
  /** warn only: same-origin path on the intercepted host that records the Continue. */
  readonly continueUrl?: string;
}

export function renderBlock(input: BlockInput, config: BlockPageConfig): BlockResponse {
  const reason = safeReason(input.decision.reason);
  const decisionId = safeDecisionId(input.decisionId);
  return input.wantsHtml
    ? renderHtml(input, config, reason, decisionId)
    : renderApi(input, reason, decisionId);
}

function renderHtml(input: BlockInput, config: BlockPageConfig, reason: ReasonCode, decisionId: string) {
  // Without a usable Continue target the coach page would be a dead end: fail closed to the block page.
  const continueUrl = input.decision.action === 'warn' ? sameOriginPath(input.continueUrl) : null;
  const kind = continueUrl === null ? 'block' : 'warn';
  const headline = kind === 'warn' ? WARN_HEADLINE : (config.headline ?? headlineFor(reason));
  const body = renderPage(
    {
      kind,
      headline,
      explanation: input.decision.explanation,
      remedy: input.decision.remedy,
      reason,
      ruleId: input.decision.ruleId,
      decisionId,
      host: input.host,
      path: input.path,
      continueUrl,
    },
    config,
  );
  return buildResponse({
    decision: kind,
    decisionId,
    reason,
    contentType: 'text/html; charset=utf-8',
    body,
    extraHeaders: {
      'content-security-policy': pageCsp(kind),
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
  });
}

function renderApi(input: BlockInput, reason: ReasonCode, decisionId: string): BlockResponse {
  const message = blockMessage({
    explanation: input.decision.explanation,
    remedy: input.decision.remedy,
    decisionId,
    reason,
    host: input.host,
    path: input.path,
  });
  const { body, extraHeaders } = apiErrorBody(errorShapeFor(input.provider), message, reason, decisionId);
  return buildResponse({
    decision: 'block',
    decisionId,
    reason,
    contentType: 'application/json; charset=utf-8',
    body,
    extraHeaders,
  });
}

/** A path on the same origin: one leading slash, no scheme, no authority, no backslash or control char. */
export function sameOriginPath(url: string | undefined): string | null {
  if (url === undefined || url.length > 2048) return null;
  if (!url.startsWith('/') || url.startsWith('//')) return null;
  if (/[\\\u0000-\u001f\u007f\s]/.test(url)) return null;
  return url;
}

/**
 * A CONNECT refused before interception (e.g. a certificate-pinned app the policy blocks). Nothing was
 * decrypted, so a browser cannot show this body: it shows its own generic proxy error instead. CLIs
 * such as curl print the status line and, with -v, this text.
 */
export function renderConnectRefusal(reason: ReasonCode, decisionId: string): BlockResponse {
  const safe = safeReason(reason);
  const id = safeDecisionId(decisionId);
  const body =
    `${headlineFor(safe)}. Blocked by zdr-egress before any data was sent ` +
    `(reason: ${safe}, decision id: ${id}).\n`;
  return buildResponse({
    decision: 'block',
    decisionId: id,
    reason: safe,
    contentType: 'text/plain; charset=utf-8',
    body,
    extraHeaders: { connection: 'close' },
  });
}
