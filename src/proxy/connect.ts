// CONNECT handling: decide before anything is decrypted. The CONNECT host is normalised and
// checked against the policy; then the ClientHello is peeked and its SNI must agree with it, so
// that neither an IP literal, a trailing dot nor a different SNI lets an AI host leave through a
// raw tunnel.

import { newDecisionId } from './ids.js';
import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import type { Decision } from '../domain/decision.js';
import type { CompiledPolicy } from '../policy/types.js';
import { normalizeHost, splitHostPort } from '../classify/host.js';
import { decideConnect, fixedDecision } from '../policy/decide.js';
import { renderConnectRefusal } from '../block/render.js';
import { MAX_CLIENT_HELLO, peekClientHello, type ClientHelloPeek } from './client-hello.js';
import { publishDecision, publishFault } from './events.js';
import type { Interceptor } from './intercept.js';
import { EgressDeniedError, type EgressGuard } from './egress-guard.js';
import type { Identifier } from './identity.js';
import { openTunnel, tunnelDestination, type PendingTunnel } from './tunnel.js';
import type { ResolveOverride } from './upstream.js';

export interface ConnectDeps {
  readonly policy: () => CompiledPolicy | null;
  readonly interceptor: Interceptor;
  readonly overrides: ReadonlyMap<string, ResolveOverride>;
  readonly guard: EgressGuard;
  readonly identifier: Identifier;
  readonly peekTimeoutMs?: number;
  readonly tunnels: { add(): void; done(): void };
}

export function createConnectHandler(deps: ConnectDeps) {
  return function onConnect(req: IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const clientIp = socket.remoteAddress ?? 'unknown';
    const authority = splitHostPort(req.url ?? '', null);
    if (authority === null) {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const { host, port } = authority;
    const identity = deps.identifier.identify(clientIp, headerValue(req.headers['proxy-authorization']));
    if (!identity.ok) {
      socket.end(PROXY_AUTH_REQUIRED);
      return;
    }
    const user = identity.user;
    const policy = deps.policy();
    if (policy === null) {
      refuse(socket, fixedDecision('policy_unavailable', null), 503, {
        clientIp,
        user,
        host,
        port,
        version: 'none',
      });
      return;
    }
    let verdict: ReturnType<typeof decideConnect>;
    try {
      verdict = decideConnect(host, port, policy);
    } catch (err) {
      publishFault('connect.decide', err);
      refuse(socket, fixedDecision('internal_error', policy), 403, {
        clientIp,
        user,
        host,
        port,
        version: policy.version,
      });
      return;
    }
    const meta: ConnectMeta = { clientIp, user, host, port, version: policy.version };
    if (verdict.kind === 'refuse') {
      refuse(socket, verdict.decision, 403, meta);
      return;
    }
    if (verdict.kind === 'tunnel_reported') record(verdict.decision, meta, 200);
    if (verdict.kind === 'intercept') return established(verdict.kind, null);
    // A raw tunnel's destination is resolved and checked before the client hears 200, so a
    // refused address gets a 403 it can show; the connection goes to that checked address.
    socket.pause();
    tunnelDestination(deps.overrides, deps.guard, host, port).then(
      (dest) => {
        if (socket.destroyed) return;
        deps.tunnels.add();
        established('tunnel', openTunnel({ host, port, clientIp, user }, dest, deps.tunnels.done));
      },
      (err: unknown) => {
        if (socket.destroyed) return;
        if (err instanceof EgressDeniedError)
          return refuse(socket, fixedDecision('egress_denied', policy), 403, meta);
        socket.end(
          'HTTP/1.1 502 Bad Gateway\r\nx-zdr-egress-upstream-error: upstream_dns\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
        );
      },
    );

    function established(kind: 'intercept' | 'tunnel', tunnel: PendingTunnel | null): void {
      const intercept = kind === 'intercept';
      socket.setNoDelay(true);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      // A raw tunnel's upstream is dialled already: a client that leaves before its hello is read
      // takes it along (nothing else would close it, nor count the tunnel as done).
      const leftEarly = (): void => tunnel?.cancel();
      socket.once('close', leftEarly);
      peek(socket, head, deps.peekTimeoutMs ?? 10_000, (result, bytes) => {
        socket.off('close', leftEarly);
        onHello(intercept, tunnel, result, bytes);
      });
    }

    function onHello(
      intercept: boolean,
      tunnel: PendingTunnel | null,
      result: ClientHelloPeek,
      bytes: Buffer,
    ): void {
      const mismatch = sniMismatch(result, host, port, intercept, policy as CompiledPolicy);
      if (mismatch) {
        tunnel?.cancel();
        record(fixedDecision('sni_mismatch', policy), meta, 0);
        socket.destroy();
      } else if (intercept) {
        if (result.kind !== 'tls') return void socket.destroy(); // named hosts are reached over TLS only
        socket.unshift(bytes);
        deps.interceptor.accept(socket, { clientIp, user, host, port, scheme: 'https' });
      } else if (result.kind === 'invalid') {
        tunnel?.cancel();
        socket.destroy(); // a hello we cannot read could hide its SNI: fail closed
      } else {
        tunnel?.start(socket, bytes);
      }
    }
  };
}

export const PROXY_AUTH_REQUIRED =
  'HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm="zdr-egress", charset="UTF-8"\r\n' +
  'x-zdr-egress-decision: block\r\nx-zdr-egress-reason: auth_required\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * True when the SNI names another host than the CONNECT line and either of them is one the policy
 * names: the client would verify one name while we decided on the other.
 */
function sniMismatch(
  result: ClientHelloPeek,
  host: string,
  port: number,
  intercept: boolean,
  policy: CompiledPolicy,
): boolean {
  if (result.kind !== 'tls' || result.sni === null) return false;
  const sni = normalizeHost(result.sni);
  if (sni === null) return true;
  if (sni === host) return false;
  return intercept || decideConnect(sni, port, policy).kind !== 'tunnel';
}

/** Collects the first bytes of the tunnel until the ClientHello is complete (or clearly not TLS). */
function peek(
  socket: net.Socket,
  head: Buffer,
  timeoutMs: number,
  done: (result: ClientHelloPeek, bytes: Buffer) => void,
): void {
  let buf = head;
  let finished = false;
  const finish = (result: ClientHelloPeek): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.off('end', onEnd);
    socket.pause();
    done(result, buf);
  };
  const check = (): void => {
    const result = peekClientHello(buf);
    if (result.kind !== 'incomplete') finish(result);
    else if (buf.length > MAX_CLIENT_HELLO) finish({ kind: 'invalid' });
  };
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    check();
  };
  const onClose = (): void => {
    finished = true;
    clearTimeout(timer);
    socket.off('end', onEnd);
  };
  // The client gave up before its hello was complete: nothing to tunnel or intercept.
  const onEnd = (): void => {
    if (!finished) socket.destroy();
  };
  // Nothing sent at all: a server-speaks-first protocol; not TLS, so no SNI to check.
  const timer = setTimeout(
    () => finish(buf.length === 0 ? { kind: 'not_tls' } : { kind: 'invalid' }),
    timeoutMs,
  );
  socket.on('data', onData);
  socket.once('close', onClose);
  socket.once('end', onEnd);
  socket.resume(); // the socket may have been paused while its destination was resolved
  if (buf.length > 0) check();
}

interface ConnectMeta {
  readonly clientIp: string;
  readonly user: string | null;
  readonly host: string;
  readonly port: number;
  readonly version: string;
}

function refuse(socket: net.Socket, decision: Decision, status: number, meta: ConnectMeta): void {
  const id = record(decision, meta, status);
  const out = renderConnectRefusal(decision.reason, id);
  const lines = [`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Service Unavailable'}`];
  for (const [k, v] of Object.entries(out.headers)) lines.push(`${k}: ${v}`);
  socket.end(lines.join('\r\n') + '\r\n\r\n' + out.body);
}

function record(decision: Decision, meta: ConnectMeta, status: number): string {
  const id = newDecisionId();
  publishDecision({
    id,
    ts: Date.now(),
    clientIp: meta.clientIp,
    user: meta.user,
    host: meta.host,
    port: meta.port,
    method: 'CONNECT',
    path: '',
    provider: null,
    surface: null,
    credentialKind: null,
    credentialFp: null,
    action: decision.action,
    reason: decision.reason,
    ruleId: decision.ruleId,
    status,
    bytesUp: 0,
    bytesDown: 0,
    durationMs: 0,
    policyVersion: meta.version,
  });
  return id;
}
