// Plain-HTTP requests to hosts the policy does not name: forwarded as they are, streaming, like a
// raw tunnel (no decision, nothing inspected); recorded as a tunnel event.

import { newDecisionId } from './ids.js';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Agent, Dispatcher } from 'undici';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { publishFault, publishTunnel } from './events.js';
import { classifyUpstreamFailure, errorCode } from './upstream-failure.js';

interface PlainTarget {
  readonly clientIp: string;
  readonly user: string | null;
  readonly host: string;
  readonly port: number;
  readonly scheme: 'http' | 'https';
}

export async function forwardPlain(
  agent: Agent,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  t: PlainTarget,
): Promise<void> {
  const id = newDecisionId();
  const ts = Date.now();
  let bytesDown = 0;
  const abortController = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) abortController.abort();
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
  let upstream: Dispatcher.ResponseData;
  try {
    upstream = await agent.request({
      origin: `${t.scheme}://${host}:${t.port}`,
      path: req.url ?? '/',
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: upstreamRequestHeaders(req.rawHeaders, []),
      body: hasBody ? req : null,
      signal: abortController.signal,
    });
  } catch (err) {
    if (abortController.signal.aborted) return;
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
    return;
  }
  const headers = clientResponseHeaders(upstream.headers, 'allow', id);
  delete headers['x-zdr-egress-decision'];
  delete headers['x-zdr-egress-decision-id'];
  res.writeHead(upstream.statusCode, headers);
  upstream.body.on('data', (c: Buffer) => (bytesDown += c.length));
  try {
    await pipeline(upstream.body, res);
  } catch (err) {
    if (!abortController.signal.aborted) publishFault('plain.stream', err);
    res.destroy();
  }
}
