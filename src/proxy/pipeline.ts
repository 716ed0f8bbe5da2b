// pipeline.handle: the four steps every intercepted request takes, in one readable function.
//   1 classify  request head (and, only when a body rule may apply, the body up to the cap) -> facts
//   2 decide    pure policy decision
//   3 act       allow/report: forward unchanged and streaming; block/warn: answer 403 ourselves
//   4 publish   one DecisionRecord of allow-listed metadata when the exchange ends
// Any exception before the response starts blocks the request with `internal_error` (fail closed).

import { newDecisionId } from './ids.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import type { Decision } from '../domain/decision.js';
import type { RequestFacts } from '../domain/facts.js';
import type { DecisionRecord } from '../domain/record.js';
import type { CompiledPolicy, RequestHead } from '../policy/types.js';
import { classifyBody, classifyHead } from '../classify/index.js';
import { splitHostPort } from '../classify/host.js';
import { decide, fixedDecision, needsBody } from '../policy/decide.js';
import { readCappedBody, wipe } from './body.js';
import { CONTINUE_PATH, type CoachAllowances } from './coach.js';
import { framingProblem, framingResponse, upstreamRequestHeaders } from './headers.js';
import { publishDecision, publishFault } from './events.js';
import { RelayHandler } from './relay.js';
import { classifyUpstreamFailure, errorCode } from './upstream-failure.js';
import { sendBlock, sendUpstreamFailure, type BlockRenderer } from './respond.js';
import { testLeak } from './test-leak.js';

export type ClientRequest = IncomingMessage | Http2ServerRequest;
export type ClientResponse = ServerResponse | Http2ServerResponse;

/** Who is on the other end of an intercepted connection, and which host the CONNECT (or URL) named. */
export interface ConnContext {
  readonly clientIp: string;
  readonly user: string | null;
  readonly host: string;
  readonly port: number;
  readonly scheme: 'https' | 'http';
}

export interface PipelineDeps {
  readonly policy: () => CompiledPolicy | null;
  readonly agent: Agent;
  readonly inspectionCapBytes: number;
  readonly render: BlockRenderer;
  /** False while the decision log fails and `decision_log.on_failure` is `block_ai`. */
  readonly auditAvailable: () => boolean;
  /** Who chose Continue on a warn page, for how long. */
  readonly coach: CoachAllowances;
  /** Test-only fault injection (ZDR_EGRESS_TEST_FAULT): throws inside classify/decide. */
  readonly fault?: (() => void) | undefined;
}

/** The state one exchange accumulates for its DecisionRecord. */
interface Exchange {
  readonly id: string;
  readonly ts: number;
  readonly conn: ConnContext;
  readonly method: string;
  readonly path: string;
  facts: RequestFacts | null;
  decision: Decision;
  policyVersion: string;
  bytesUp: number;
  bytesDown: number;
}

export function createPipeline(deps: PipelineDeps) {
  async function handle(req: ClientRequest, res: ClientResponse, conn: ConnContext): Promise<void> {
    const framing = framingProblem(req.rawHeaders, req.headers['transfer-encoding']);
    if (framing !== null) {
      res.writeHead(framing, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(framingResponse(framing));
      return;
    }
    // Absolute-form naming this connection's host becomes origin-form; any other target is refused.
    const targetOk = targetMatches(req, conn);
    const target = req.url ?? '/';
    testLeak.headers(req.headers);
    const ts = Date.now();
    const ex: Exchange = {
      id: newDecisionId(ts),
      ts,
      conn,
      method: req.method ?? 'GET',
      path: testLeak.recordPath(target, pathOf(target)),
      facts: null,
      decision: INTERNAL_ERROR,
      policyVersion: 'none',
      bytesUp: 0,
      bytesDown: 0,
    };
    res.once('close', () => publishDecision(toRecord(ex, res.statusCode)));
    let body: Buffer | null = null;
    try {
      // 1 classify + 2 decide
      const policy = deps.policy();
      if (policy === null) {
        ex.decision = fixedDecision('policy_unavailable', null);
      } else {
        ex.policyVersion = policy.version;
        deps.fault?.();
        if (!hostHeaderMatches(req, conn) || !targetOk) {
          ex.decision = fixedDecision('host_mismatch', policy);
        } else {
          // HTTP/2 carries a body without content-length: its HEADERS frame just lacks END_STREAM.
          // Say so to classify, or the body would be neither inspected nor sent.
          const h2Body =
            'stream' in req && !req.stream.endAfterHeaders && req.headers['content-length'] === undefined;
          const head: RequestHead = {
            method: ex.method,
            host: conn.host,
            port: conn.port,
            scheme: conn.scheme,
            target,
            headers: h2Body ? { ...req.headers, 'transfer-encoding': 'chunked' } : req.headers,
            websocket: false,
          };
          let facts = classifyHead(head, policy);
          // Read the body only when the head passes: a request its head already blocks (an
          // unapproved key) must not make the proxy read and parse up to the inspection cap.
          const early =
            facts.bodyState === 'not_inspected' && needsBody(facts, policy) ? decide(facts, policy) : null;
          if (early !== null && (early.action !== 'block' || early.ruleId === 'builtin.body_not_inspected')) {
            const read = await readCappedBody(req, deps.inspectionCapBytes);
            if (read.kind === 'complete') {
              body = read.bytes;
              testLeak.body(body);
              ex.bytesUp = body.length;
              facts = classifyBody(facts, body);
            } else {
              ex.bytesUp = read.readBytes;
              facts = classifyBody(facts, 'too_large');
            }
          }
          ex.facts = facts;
          ex.decision = decide(facts, policy);
          if (ex.decision.action === 'warn') ex.decision = coach(ex, facts);
          // A body we did not read in full is never forwarded, whatever the mode says.
          if (facts.bodyState === 'too_large' && ex.decision.action !== 'block') {
            ex.decision = fixedDecision('body_too_large', policy);
          }
          if (ex.decision.action !== 'block' && ex.decision.action !== 'warn' && !deps.auditAvailable()) {
            ex.decision = fixedDecision('decision_log_unavailable', policy);
          }
        }
      }
    } catch (err) {
      publishFault('pipeline.decide', err);
      ex.decision = safeInternalError(deps.policy());
    }
    // 3 act
    try {
      if (ex.decision.reason === 'coach_continue' && ex.method === 'POST' && ex.path === CONTINUE_PATH) {
        // The Continue button itself: remembered in coach(), answered here, never forwarded.
        res.writeHead(303, {
          location: '/',
          'content-length': '0',
          'cache-control': 'no-store',
          'x-zdr-egress-decision': 'allow',
          'x-zdr-egress-decision-id': ex.id,
          'x-zdr-egress-reason': 'coach_continue',
        });
        res.end();
      } else if (ex.decision.action === 'allow' || ex.decision.action === 'report') {
        await forward(req, res, ex, body);
      } else {
        sendBlock(res, deps.render, ex.decision, ex.id, conn, ex.path, ex.facts);
        if (ex.facts?.bodyState === 'too_large') closeAfterResponse(req, res);
      }
    } catch (err) {
      publishFault('pipeline.act', err);
      abort(res);
    } finally {
      wipe(body);
    }
    // 4 publish happens on res 'close', when status and byte counts are final.
  }

  function forward(
    req: ClientRequest,
    res: ClientResponse,
    ex: Exchange,
    body: Buffer | null,
  ): Promise<void> {
    const hasBody = ex.facts === null ? true : ex.facts.bodyState !== 'none';
    // A body read for inspection is sent as is; otherwise the client's stream goes to undici, which
    // pulls it (backpressure holds) and reports the bytes it sent.
    const requestBody: Buffer | Readable | null = body ?? (hasBody ? (req as Readable) : null);
    const action = ex.decision.action === 'report' ? 'report' : 'allow';
    return new Promise((resolve) => {
      const handler = new RelayHandler(
        res,
        { action, decisionId: ex.id },
        {
          bytesUp: body === null ? (n) => void (ex.bytesUp += n) : undefined,
          bytesDown: (n) => void (ex.bytesDown += n),
          failedBeforeHead: (err) => {
            if (errorCode(err) === 'ZDR_EGRESS_DENIED') {
              // The host resolved to an address egress safety refuses: that is a block, not an outage.
              ex.decision = fixedDecision('egress_denied', deps.policy());
              sendBlock(res, deps.render, ex.decision, ex.id, ex.conn, ex.path, ex.facts);
              return;
            }
            publishFault('upstream.request', err);
            sendUpstreamFailure(res, classifyUpstreamFailure(err), ex.id, action, ex.conn.host, ex.facts);
          },
          failedAfterHead: (err) => {
            if (!res.destroyed) {
              publishFault('upstream.stream', err);
              abort(res);
            }
          },
          done: resolve,
        },
      );
      deps.agent.dispatch(
        {
          origin: originOf(ex.conn),
          path: req.url ?? '/',
          method: ex.method as Dispatcher.HttpMethod,
          headers: upstreamRequestHeaders(req.rawHeaders, ex.decision.inject),
          body: requestBody,
        },
        handler,
      );
    });
  }

  /**
   * A `warn` decision for a browser: the Continue form post grants this user (or address) the
   * host for a while; while granted, requests pass as `coach_continue`. API clients keep `warn`,
   * which sendBlock turns into a plain block.
   */
  function coach(ex: Exchange, facts: RequestFacts): Decision {
    const who = ex.conn.user ?? ex.conn.clientIp;
    const continued = (): Decision => ({
      ...ex.decision,
      action: 'allow',
      reason: 'coach_continue',
      explanation: 'You chose to continue after the warning page; the visit is recorded.',
      remedy: '',
    });
    if (ex.method === 'POST' && ex.path === CONTINUE_PATH && facts.wantsHtml) {
      deps.coach.grant(who, ex.conn.host);
      return continued();
    }
    return deps.coach.granted(who, ex.conn.host) ? continued() : ex.decision;
  }

  return { handle };
}

/**
 * Origin-form targets pass. An absolute-form target must name the connection's own host and port,
 * and is rewritten to origin-form: forwarded as it is, an origin must honour its authority over Host
 * (RFC 9112 §3.2.2). Any other form (`*`, authority-form) fails.
 */
function targetMatches(req: ClientRequest, conn: ConnContext): boolean {
  const target = req.url ?? '/';
  if (target.startsWith('/')) return true;
  const m = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(target);
  if (m === null) return false;
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  if (scheme.toLowerCase() !== conn.scheme) return false;
  const parsed = splitHostPort(authority, conn.scheme === 'https' ? 443 : 80);
  if (parsed === null || parsed.host !== conn.host || parsed.port !== conn.port) return false;
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  return true;
}

function hostHeaderMatches(req: ClientRequest, conn: ConnContext): boolean {
  const authority = req.headers[':authority'] ?? req.headers.host;
  if (authority === undefined) return true; // HTTP/1.0 without Host: the connection names the host
  if (typeof authority !== 'string') return false;
  // The common case, already canonical: no need to parse and normalise.
  if (authority === conn.host && conn.port === (conn.scheme === 'https' ? 443 : 80)) return true;
  if (authority.length > conn.host.length && authority === `${conn.host}:${conn.port}`) return true;
  const parsed = splitHostPort(authority, conn.scheme === 'https' ? 443 : 80);
  return parsed !== null && parsed.host === conn.host && parsed.port === conn.port;
}

function originOf(conn: ConnContext): string {
  const host = conn.host.includes(':') ? `[${conn.host}]` : conn.host;
  return `${conn.scheme}://${host}:${conn.port}`;
}

function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

function closeAfterResponse(req: ClientRequest, res: ClientResponse): void {
  // The rest of an over-cap body is never read: close once the 403 is out.
  res.once('finish', () => {
    if ('stream' in req) req.stream.close();
    else req.socket.destroySoon();
  });
}

function abort(res: ClientResponse): void {
  if ('stream' in res) res.stream.destroy();
  else res.destroy();
}

function toRecord(ex: Exchange, status: number): DecisionRecord {
  const f = ex.facts;
  return {
    id: ex.id,
    ts: ex.ts,
    clientIp: ex.conn.clientIp,
    user: ex.conn.user,
    host: ex.conn.host,
    port: ex.conn.port,
    method: ex.method,
    path: ex.path,
    provider: f?.provider ?? null,
    surface: f?.surface ?? null,
    credentialKind: f?.credential?.kind ?? null,
    credentialFp: f?.credential?.fingerprint ?? null,
    action: ex.decision.action,
    reason: ex.decision.reason,
    ruleId: ex.decision.ruleId,
    status,
    bytesUp: ex.bytesUp,
    bytesDown: ex.bytesDown,
    durationMs: Date.now() - ex.ts,
    policyVersion: ex.policyVersion,
  };
}

// Last resort when even the policy's own fixed decision cannot be built.
const INTERNAL_ERROR: Decision = Object.freeze({
  action: 'block',
  reason: 'internal_error',
  ruleId: 'builtin.internal_error' as Decision['ruleId'],
  explanation: 'zdr-egress hit an internal error while checking this request, so it was blocked to be safe.',
  remedy: 'Try again; if it keeps happening, give the decision id to your IT helpdesk.',
  inject: [],
});

function safeInternalError(policy: CompiledPolicy | null): Decision {
  try {
    return fixedDecision('internal_error', policy);
  } catch {
    return INTERNAL_ERROR;
  }
}
