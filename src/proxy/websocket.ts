// WebSocket upgrades on intercepted hosts (e.g. wss://api.openai.com/v1/realtime): decided once,
// at the upgrade request, like any other request; once allowed, frames are piped both ways
// untouched (they are content; nothing inspects or keeps them).

import { newDecisionId } from './ids.js';
import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import { upgrade, type Agent, type Dispatcher } from 'undici';
import type { Decision } from '../domain/decision.js';
import type { RequestFacts } from '../domain/facts.js';
import type { CompiledPolicy } from '../policy/types.js';
import { classifyHead } from '../classify/index.js';
import { decide, fixedDecision } from '../policy/decide.js';
import { TOO_MANY_HEADERS_BODY, tooManyHeaders, upstreamRequestHeaders } from './headers.js';
import { publishDecision, publishFault } from './events.js';
import { classifyUpstreamFailure } from './upstream-failure.js';
import type { BlockRenderer } from './respond.js';
import type { ConnContext } from './pipeline.js';

export interface WebSocketBridge {
  handle(req: IncomingMessage, socket: net.Socket, head: Buffer, ctx: ConnContext): Promise<void>;
}

export function createWebSocketBridge(deps: {
  readonly policy: () => CompiledPolicy | null;
  readonly agent: Agent;
  readonly render: BlockRenderer;
  readonly auditAvailable: () => boolean;
}): WebSocketBridge {
  async function handle(
    req: IncomingMessage,
    socket: net.Socket,
    head: Buffer,
    ctx: ConnContext,
  ): Promise<void> {
    if (tooManyHeaders(req.rawHeaders)) {
      socket.end(rawResponse(431, 'Request Header Fields Too Large', {}, TOO_MANY_HEADERS_BODY));
      return;
    }
    const id = newDecisionId();
    const ts = Date.now();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const policy = deps.policy();
    let facts: RequestFacts | null = null;
    let decision: Decision;
    let status = 0;
    let bytesUp = 0;
    let bytesDown = 0;
    socket.once('close', () => {
      publishDecision({
        id,
        ts,
        clientIp: ctx.clientIp,
        user: ctx.user,
        host: ctx.host,
        port: ctx.port,
        method: req.method ?? 'GET',
        path,
        provider: facts?.provider ?? null,
        surface: facts?.surface ?? null,
        credentialKind: facts?.credential?.kind ?? null,
        credentialFp: facts?.credential?.fingerprint ?? null,
        action: decision.action,
        reason: decision.reason,
        ruleId: decision.ruleId,
        status,
        bytesUp,
        bytesDown,
        durationMs: Date.now() - ts,
        policyVersion: policy?.version ?? 'none',
      });
    });
    socket.on('error', () => socket.destroy());
    try {
      if (policy === null) decision = fixedDecision('policy_unavailable', null);
      else {
        facts = classifyHead(
          {
            method: req.method ?? 'GET',
            host: ctx.host,
            port: ctx.port,
            scheme: ctx.scheme,
            target,
            headers: req.headers,
            websocket: true,
          },
          policy,
        );
        decision = decide(facts, policy);
        if (decision.action !== 'block' && decision.action !== 'warn' && !deps.auditAvailable()) {
          decision = fixedDecision('decision_log_unavailable', policy);
        }
      }
    } catch (err) {
      publishFault('websocket.decide', err);
      decision = fixedDecision('internal_error', policy);
    }
    if (decision.action !== 'allow' && decision.action !== 'report') {
      const out = deps.render({
        decision: { ...decision, action: 'block' },
        decisionId: id,
        host: ctx.host,
        path,
        provider: facts?.provider ?? null,
        surface: facts?.surface ?? null,
        wantsHtml: false,
      });
      status = out.status;
      socket.end(rawResponse(out.status, 'Forbidden', out.headers, out.body));
      return;
    }
    let upgraded: Dispatcher.UpgradeData;
    try {
      upgraded = await upgrade(
        `${ctx.scheme}://${ctx.host.includes(':') ? `[${ctx.host}]` : ctx.host}:${ctx.port}${target}`,
        {
          dispatcher: deps.agent,
          method: 'GET',
          headers: upstreamRequestHeaders(req.rawHeaders, decision.inject),
          protocol: 'websocket',
        },
      );
    } catch (err) {
      publishFault('websocket.upstream', err);
      const failure = classifyUpstreamFailure(err);
      status = failure.status;
      const body = JSON.stringify({
        error: {
          message: `zdr-egress allowed this request, but ${ctx.host} ${failure.text}. (decision id: ${id})`,
          code: failure.code,
        },
      });
      socket.end(
        rawResponse(
          failure.status,
          'Bad Gateway',
          { 'content-type': 'application/json', 'x-zdr-egress-decision-id': id },
          body,
        ),
      );
      return;
    }
    const upstream = upgraded.socket;
    // The client left while the upstream was answering: its close has been and gone, so nothing
    // below would ever end this connection.
    if (socket.destroyed) return void upstream.destroy();
    status = 101;
    const lines = ['HTTP/1.1 101 Switching Protocols'];
    for (const [name, value] of Object.entries(upgraded.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
    }
    lines.push(`x-zdr-egress-decision: ${decision.action}`, `x-zdr-egress-decision-id: ${id}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.on('data', (c: Buffer) => (bytesDown += c.length));
    socket.on('data', (c: Buffer) => (bytesUp += c.length));
    upstream.on('error', () => socket.destroy());
    upstream.once('close', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    socket.pipe(upstream);
    upstream.pipe(socket);
  }
  return { handle };
}

function rawResponse(
  status: number,
  text: string,
  headers: Readonly<Record<string, string>>,
  body: string,
): string {
  const lines = [`HTTP/1.1 ${status} ${text}`];
  for (const [k, v] of Object.entries(headers)) if (k !== 'content-length') lines.push(`${k}: ${v}`);
  lines.push(`content-length: ${Buffer.byteLength(body)}`, 'connection: close');
  return lines.join('\r\n') + '\r\n\r\n' + body;
}
