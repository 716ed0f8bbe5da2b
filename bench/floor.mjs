// Reference floors for bench/quick.mjs: the cheapest intercepting proxies Node can be, with the same
// TLS (an ECDSA P-256 leaf minted by this repo's CA code, the upstream CA trusted explicitly) and none
// of zdr-egress's policy, classification, decision log or telemetry.
//   node bench/floor.mjs pipe start --listen H:P --certs DIR --upstream-ca FILE --resolve HOST:PORT:ADDR:APORT
//   node bench/floor.mjs http|dispatch|lean start ...same...
//   --tunnel HOST (any mode, repeatable): CONNECTs to HOST are piped raw to it, as zdr-egress tunnels a
//   host no policy names (the harness's bulk_splice scenario).
// pipe: CONNECT -> TLS terminated -> a TLS connection to the upstream per client connection -> bytes
//       copied both ways (no HTTP parsing): the "relay" of issue 9.
// http: CONNECT -> TLS terminated -> node:http -> one pooled undici Agent -> response piped back:
//       the HTTP machinery zdr-egress is built on, with nothing else.
// dispatch: the same with undici's dispatch() handler API writing straight into the response.
// lean: no node:http on the client leg: a minimal HTTP/1.1 request reader (request line, headers and
//       content-length bodies only; no chunked bodies, no validation, no timeouts) feeds the same
//       dispatch(), whose handler writes the response head and body straight to the TLS socket. Not
//       a server: the least any HTTP/1.1 server written in JavaScript in front of undici could cost.
// quick.mjs runs them with `--repo floor:pipe`, `floor:http`, `floor:dispatch` and `floor:lean`. It prints the same ready line as
// `zdr-egress start`. Other `start` flags (--admin, --policies, --data, --log-level) are accepted and
// ignored. Never for production: it intercepts every CONNECT.

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const argv = process.argv.slice(2);
const mode = argv[0];
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
};
const repo = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(repo, 'package.json'));
const { Agent, buildConnector } = require('undici');
const dist = (f) => import(pathToFileURL(path.join(repo, 'dist', f)).href);
const { loadOrCreateCa } = await dist('ca/authority.js');
const { createLeafMinter } = await dist('ca/leaf.js');

const [lhost, lport] = (opt('listen') ?? '127.0.0.1:0').split(':');
const { ca } = loadOrCreateCa(opt('certs'));
const mint = createLeafMinter(ca);
const contexts = new Map();
const contextFor = (host) => {
  let c = contexts.get(host);
  if (c === undefined) {
    const leaf = mint(host);
    c = tls.createSecureContext({ key: leaf.keyPem, cert: [leaf.certPem, ...leaf.chainPem].join('\n') });
    contexts.set(host, c);
  }
  return c;
};
const upstreamCa = fs.readFileSync(opt('upstream-ca'));
const upstreamCtx = tls.createSecureContext({ ca: upstreamCa });
const [rHost, rPort, rAddr, rAport] = (opt('resolve') ?? '').split(':');
const target = (host, port) =>
  host === rHost && String(port) === rPort
    ? { address: rAddr, port: Number(rAport) }
    : { address: host, port };

/** Copies bytes both ways; an error on either side ends both. */
function splice(a, b) {
  const kill = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', kill);
  b.on('error', kill);
  a.pipe(b);
  b.pipe(a);
}

let handle;
if (mode === 'pipe') {
  handle = (socket, host, port) => {
    const client = new tls.TLSSocket(socket, { isServer: true, secureContext: contextFor(host) });
    const t = target(host, port);
    const up = tls.connect({ host: t.address, port: t.port, servername: host, secureContext: upstreamCtx });
    up.setNoDelay(true);
    splice(client, up);
  };
} else if (mode === 'http' || mode === 'dispatch' || mode === 'lean') {
  const base = buildConnector({ secureContext: upstreamCtx, maxCachedSessions: 100 });
  const agent = new Agent({
    connect: (o, cb) => {
      const t = target(o.hostname, Number(o.port || 443));
      base(
        {
          ...o,
          hostname: t.address,
          host: `${t.address}:${t.port}`,
          port: String(t.port),
          servername: o.hostname,
        },
        cb,
      );
    },
  });
  // dispatch: undici's handler API straight into the response (what zdr-egress's relay proposal does).
  const viaDispatch = (req, res, host, port, headers) =>
    agent.dispatch(
      {
        origin: `https://${host}:${port}`,
        path: req.url,
        method: req.method,
        headers,
        body: req.headers['content-length'] || req.headers['transfer-encoding'] ? req : null,
      },
      {
        onConnect() {},
        onHeaders(status, raw, resume) {
          if (status < 200) return true;
          const out = {};
          for (let i = 0; i < raw.length; i += 2) {
            const k = raw[i].toString('latin1').toLowerCase();
            if (k !== 'connection' && k !== 'keep-alive') out[k] = raw[i + 1].toString('latin1');
          }
          res.on('drain', resume);
          res.writeHead(status, out);
          return true;
        },
        onData: (chunk) => res.write(chunk),
        onComplete: () => res.end(),
        onError: () => (res.headersSent ? res.destroy() : res.writeHead(502).end()),
      },
    );
  const inner = http.createServer(async (req, res) => {
    const { host, port } = req.socket.floorTarget;
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const n = req.rawHeaders[i].toLowerCase();
      if (n !== 'host' && n !== 'connection' && n !== 'keep-alive')
        headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    if (mode === 'dispatch') return viaDispatch(req, res, host, port, headers);
    try {
      const up = await agent.request({
        origin: `https://${host}:${port}`,
        path: req.url,
        method: req.method,
        headers,
        body: req.headers['content-length'] || req.headers['transfer-encoding'] ? req : null,
      });
      const out = {};
      for (const [k, v] of Object.entries(up.headers))
        if (k !== 'connection' && k !== 'keep-alive') out[k] = v;
      res.writeHead(up.statusCode, out);
      up.body.pipe(res);
    } catch {
      res.writeHead(502).end();
    }
  });
  handle = (socket, host, port) => {
    const client = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: contextFor(host),
      ALPNProtocols: ['http/1.1'],
    });
    client.floorTarget = { host, port };
    client.on('error', () => client.destroy());
    if (mode === 'lean') leanConnection(client, `https://${host}:${port}`);
    else client.once('secure', () => inner.emit('connection', client));
  };

  /** Requests on one connection, one at a time: parse a head and its body, dispatch, relay, repeat. */
  function leanConnection(client, origin) {
    let buf = null;
    let busy = false;
    client.on('data', (chunk) => {
      buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
      if (!busy) next();
    });
    const next = () => {
      if (buf === null) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buf.toString('latin1', 0, end).split('\r\n');
      const [method, path] = lines[0].split(' ');
      const headers = [];
      let length = 0;
      for (let i = 1; i < lines.length; i++) {
        const c = lines[i].indexOf(':');
        const name = lines[i].slice(0, c);
        const lower = name.toLowerCase();
        const value = lines[i].slice(c + 1).trim();
        if (lower === 'content-length') length = Number(value);
        if (lower !== 'host' && lower !== 'connection' && lower !== 'keep-alive') headers.push(name, value);
      }
      const total = end + 4 + length;
      if (buf.length < total) return;
      const body = length > 0 ? buf.subarray(end + 4, total) : null;
      buf = buf.length === total ? null : buf.subarray(total);
      busy = true;
      let chunked = false;
      const done = () => {
        busy = false;
        next();
      };
      agent.dispatch(
        { origin, path, method, headers, body },
        {
          onConnect() {},
          onHeaders(status, raw, resume) {
            if (status < 200) return true;
            let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n`;
            chunked = true;
            for (let i = 0; i < raw.length; i += 2) {
              const k = raw[i].toString('latin1').toLowerCase();
              if (k === 'connection' || k === 'keep-alive' || k === 'transfer-encoding') continue;
              if (k === 'content-length') chunked = false;
              head += `${k}: ${raw[i + 1].toString('latin1')}\r\n`;
            }
            if (chunked) head += 'transfer-encoding: chunked\r\n';
            client.on('drain', resume);
            client.cork();
            client.write(head + '\r\n');
            process.nextTick(() => client.uncork());
            return true;
          },
          onData(chunk) {
            if (chunked) client.write(`${chunk.length.toString(16)}\r\n`);
            client.write(chunk);
            if (chunked) client.write('\r\n');
            return client.writableLength < 65536;
          },
          onComplete() {
            client.removeAllListeners('drain');
            if (chunked) client.write('0\r\n\r\n');
            done();
          },
          onError() {
            client.destroy();
          },
        },
      );
    };
  }
} else {
  console.error(
    'usage: node bench/floor.mjs pipe|http|dispatch|lean start --listen H:P --certs DIR --upstream-ca FILE [--resolve ...]',
  );
  process.exit(2);
}

const server = http.createServer((req, res) => res.writeHead(405).end());
const tunnelled = new Set(argv.flatMap((a, i) => (a === '--tunnel' ? [argv[i + 1]] : [])));
const tunnel = (socket, host, port) => splice(socket, net.connect({ host, port, noDelay: true }));
server.on('connect', (req, socket, head) => {
  const i = req.url.lastIndexOf(':');
  const host = req.url.slice(0, i);
  const port = Number(req.url.slice(i + 1));
  socket.setNoDelay(true);
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head.length > 0) socket.unshift(head);
  (tunnelled.has(host) ? tunnel : handle)(socket, host, port);
});
server.listen(Number(lport), lhost, () => {
  const a = server.address();
  console.log(`zdr-egress ready: proxy http://${a.address}:${a.port} (floor:${mode})`);
});
process.on('SIGTERM', () => process.exit(0));
