// Plain-HTTP requests to hosts the policy does not name: forwarded as they are, streaming, like a
// raw tunnel (no decision, nothing inspected); recorded as a tunnel event.

import { newDecisionId } from './ids.js';
import type http from 'node:http';
import type { Agent, Dispatcher } from 'undici';
import { upstreamRequestHeaders } from './headers.js';
import { RelayHandler } from './relay.js';
import { publishFault, publishTunnel } from './events.js';
import { classifyUpstreamFailure, errorCode } from './upstream-failure.js';

interface PlainTarget {
  readonly clientIp: string;
  readonly user: string | null;
  readonly host: string;
  readonly port: number;
  readonly scheme: 'http' | 'https';
}

/** Resolves when the exchange is over (answered, relayed to the end, or cut). */
export function forwardPlain(
  agent: Agent,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  t: PlainTarget,
): Promise<void> {
  const id = newDecisionId();
  const ts = Date.now();
  let bytesDown = 0;
  res.once('close', () => {
    publishTunnel({
      id,
      ts,
      clientIp: t.clientIp,
      user: t.user,
      host: t.host,
      port: t.port,
      bytesUp: req.socket.bytesRead,
      bytesDown,
      durationMs: Date.now() - ts,
    });
  });
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  return new Promise((resolve) => {
    // The same relay as intercepted requests, without decision headers: nothing was decided.
    const handler = new RelayHandler(res, null, {
      bytesDown: (n) => void (bytesDown += n),
      failedBeforeHead: (err) => {
        if (errorCode(err) === 'ZDR_EGRESS_DENIED') {
          res.writeHead(403, {
            'content-type': 'text/plain; charset=utf-8',
            'x-zdr-egress-decision': 'block',
            'x-zdr-egress-reason': 'egress_denied',
          });
          res.end(
            `zdr-egress: ${t.host} resolves to an address the proxy does not reach (private, loopback or metadata).\n`,
          );
          return;
        }
        const failure = classifyUpstreamFailure(err);
        res.writeHead(failure.status, {
          'content-type': 'text/plain; charset=utf-8',
          'x-zdr-egress-upstream-error': failure.code,
        });
        res.end(`zdr-egress: ${t.host} ${failure.text}.\n`);
      },
      failedAfterHead: (err) => {
        if (!res.destroyed) {
          publishFault('plain.stream', err);
          res.destroy();
        }
      },
      done: resolve,
    });
    agent.dispatch(
      {
        origin: `${t.scheme}://${host}:${t.port}`,
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: upstreamRequestHeaders(req.rawHeaders, []),
        body: hasBody ? req : null,
      },
      handler,
    );
  });
}
