// Writes the responses zdr-egress generates itself: blocks (rendered by src/block) and upstream
// failures. Both carry the X-ZDR-Egress-* headers of INTERFACES.md.

import type { Decision } from '../domain/decision.js';
import type { RequestFacts } from '../domain/facts.js';
import type { BlockInput, BlockResponse } from '../block/render.js';
import type { ClientResponse, ConnContext } from './pipeline.js';
import type { UpstreamFailure } from './upstream-failure.js';
import { CONTINUE_PATH } from './coach.js';

export type BlockRenderer = (input: BlockInput) => BlockResponse;

export function sendBlock(
  res: ClientResponse,
  render: BlockRenderer,
  decision: Decision,
  decisionId: string,
  conn: ConnContext,
  path: string,
  facts: RequestFacts | null,
): void {
  // warn is a browser-only coach page; an API client gets a plain block.
  const wantsHtml = facts?.wantsHtml ?? false;
  const effective: Decision =
    decision.action === 'warn' && !wantsHtml ? { ...decision, action: 'block' } : decision;
  const out = render({
    decision: effective,
    decisionId,
    host: conn.host,
    path,
    provider: facts?.provider ?? null,
    surface: facts?.surface ?? null,
    wantsHtml,
    ...(effective.action === 'warn' ? { continueUrl: CONTINUE_PATH } : {}),
  });
  if (res.headersSent) return;
  res.writeHead(out.status, out.headers);
  res.end(out.body);
}

export function sendUpstreamFailure(
  res: ClientResponse,
  failure: UpstreamFailure,
  decisionId: string,
  action: 'allow' | 'report',
  host: string,
  facts: RequestFacts | null,
): void {
  if (res.headersSent) return;
  const message = `zdr-egress allowed this request, but ${host} ${failure.text}. (decision id: ${decisionId})`;
  const body = facts?.wantsHtml
    ? `<!doctype html><meta charset="utf-8"><title>Upstream unavailable</title><p>${escapeHtml(message)}</p>`
    : JSON.stringify({ error: { message, type: 'upstream_error', code: failure.code } });
  res.writeHead(failure.status, {
    'content-type': facts?.wantsHtml ? 'text/html; charset=utf-8' : 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-zdr-egress-decision': action,
    'x-zdr-egress-decision-id': decisionId,
    'x-zdr-egress-upstream-error': failure.code,
  });
  res.end(body);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
