// TLS termination for hosts the policy names. The leaf's SecureContext is chosen from the host we
// already checked (CONNECT line and SNI agree), and the decrypted socket is handed to an HTTP/1.1
// or HTTP/2 server chosen by ALPN. These servers never listen: sockets are fed to them, so the
// slow-loris protections that `listen()` would start are started explicitly here.

import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import tls from 'node:tls';
import type { ConnContext, createPipeline } from './pipeline.js';
import type { WebSocketBridge } from './websocket.js';
import { answerClientError, publishFault } from './events.js';
import { MAX_REQUEST_HEADERS } from './headers.js';

export interface InterceptOptions {
  readonly secureContextFor: (host: string) => tls.SecureContext;
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly handshakeTimeoutMs?: number;
}

type Pipeline = ReturnType<typeof createPipeline>;
/** Node keeps this flag on TLSSocket (undocumented); tls.Server clears it once the handshake is done. */
type HandshakeState = tls.TLSSocket & { secureConnecting: boolean };

export interface Interceptor {
  /** Terminates TLS on `socket` (whose first bytes were peeked and unshifted) for `ctx.host`. */
  accept(socket: net.Socket, ctx: ConnContext): void;
  /** Graceful drain: idle connections close now, busy ones after their current exchange. */
  drain(): void;
  readonly activeSessions: () => number;
}

export function createInterceptor(
  opts: InterceptOptions,
  pipeline: Pipeline,
  ws: WebSocketBridge,
): Interceptor {
  const contexts = new WeakMap<object, ConnContext>();
  const live = new Set<tls.TLSSocket>();
  const h2Sessions = new Set<http2.ServerHttp2Session>();
  let draining = false;

  const h1 = http.createServer(
    {
      headersTimeout: opts.headersTimeoutMs,
      requestTimeout: 0,
      // Longer than browsers' idle reuse, so a request rarely races the server closing the socket.
      keepAliveTimeout: 65_000,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      const ctx = contexts.get(req.socket);
      if (ctx === undefined) return void res.destroy();
      if (draining) res.shouldKeepAlive = false;
      void pipeline.handle(req, res, ctx);
    },
  );
  h1.timeout = opts.idleTimeoutMs;
  h1.maxHeadersCount = MAX_REQUEST_HEADERS + 1;
  h1.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const ctx = contexts.get(socket);
    if (ctx === undefined) return void socket.destroy();
    void ws.handle(req, socket, head, ctx);
  });
  h1.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) =>
    answerClientError('intercept.http1', err, socket),
  );
  // Node starts its header/request timeout checks on 'listening'; these servers are fed sockets.
  h1.emit('listening');

  let pendingCtx: ConnContext | null = null;
  const h2 = http2.createServer(
    { maxSessionMemory: 32, settings: { maxConcurrentStreams: 256 } },
    (req, res) => {
      const ctx = contexts.get(req.stream.session as object);
      if (ctx === undefined) return void res.stream.destroy();
      void pipeline.handle(req, res, ctx);
    },
  );
  h2.on('session', (session: http2.ServerHttp2Session) => {
    if (pendingCtx !== null) contexts.set(session, pendingCtx);
    h2Sessions.add(session);
    session.setTimeout(opts.idleTimeoutMs, () => session.close());
    session.once('close', () => h2Sessions.delete(session));
    // A client that vanishes (FIN, no GOAWAY) leaves nghttp2 waiting: close, or it sits in CLOSE-WAIT.
    session.socket.once('end', () => session.close());
    if (draining) session.close();
  });

  function accept(socket: net.Socket, ctx: ConnContext): void {
    let tlsSocket: tls.TLSSocket;
    try {
      const secureContext = opts.secureContextFor(ctx.host);
      tlsSocket = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext,
        ALPNProtocols: ['h2', 'http/1.1'],
      });
    } catch (err) {
      publishFault('intercept.leaf', err);
      socket.destroy();
      return;
    }
    live.add(tlsSocket);
    // The TLS socket owns the TCP socket's handle; make sure neither outlives the other.
    socket.once('close', () => tlsSocket.destroy());
    const handshakeTimer = setTimeout(() => tlsSocket.destroy(), opts.handshakeTimeoutMs ?? 10_000);
    tlsSocket.once('close', () => {
      clearTimeout(handshakeTimer);
      live.delete(tlsSocket);
      socket.destroy();
    });
    // A client that hangs up during the handshake sends FIN, not an alert.
    tlsSocket.once('end', () => {
      if ((tlsSocket as HandshakeState).secureConnecting) tlsSocket.destroy();
    });
    tlsSocket.on('error', (err) => {
      publishFault('intercept.tls', err);
      tlsSocket.destroy();
    });
    tlsSocket.once('secure', () => {
      clearTimeout(handshakeTimer);
      // What tls.Server does for its own sockets on 'secure'; Http2Session waits for it otherwise.
      (tlsSocket as HandshakeState).secureConnecting = false;
      if (tlsSocket.alpnProtocol === 'h2') {
        pendingCtx = ctx;
        try {
          h2.emit('connection', tlsSocket);
        } finally {
          pendingCtx = null;
        }
      } else {
        contexts.set(tlsSocket, ctx);
        h1.emit('connection', tlsSocket);
      }
    });
  }

  function drain(): void {
    draining = true;
    for (const session of h2Sessions) session.close();
    // HTTP/1.1: a socket with no request in flight is closed now; the rest get `connection: close`.
    for (const s of live) {
      const busy = (s as unknown as { _httpMessage?: unknown })._httpMessage;
      if (busy === undefined || busy === null) s.end();
    }
  }

  return { accept, drain, activeSessions: () => live.size };
}
