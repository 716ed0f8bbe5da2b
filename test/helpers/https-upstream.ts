// A plain node:https fake upstream for tests that must control every byte and its timing
// (streaming, aborts). Its certificates come from a separate throwaway CA, never the proxy's.
import { mkdtempSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa } from '../../src/ca/authority.js';
import { createLeafMinter } from '../../src/ca/leaf.js';

export interface HttpsUpstream {
  readonly server: https.Server;
  readonly port: number;
  readonly caFile: string;
  readonly caPem: string;
  resolveFor(...hosts: string[]): string[];
  close(): Promise<void>;
}

export async function startHttpsUpstream(
  hosts: readonly string[],
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<HttpsUpstream> {
  const dir = mkdtempSync(join(tmpdir(), 'zdr-https-upstream-'));
  const ca = initCa(dir, { commonName: 'https upstream test CA' });
  const mint = createLeafMinter(ca);
  const contexts = new Map(hosts.map((h) => [h, mint(h)]));
  const first = contexts.get(hosts[0] as string);
  if (first === undefined) throw new Error('at least one host');
  const server = https.createServer(
    {
      key: first.keyPem,
      cert: first.certPem,
      SNICallback: (name, cb) => {
        const leaf = contexts.get(name) ?? first;
        cb(null, tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem }));
      },
    },
    handler,
  );
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    caFile: join(dir, 'ca.pem'),
    caPem: ca.certPem,
    resolveFor: (...names) => names.map((h) => `${h}:443:127.0.0.1:${port}`),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
