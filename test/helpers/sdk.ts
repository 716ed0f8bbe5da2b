// Glue for the end-to-end tests (test/e2e/sdk-*, browser-proxy, pac-browser): a proxy dispatcher with
// the proxy's CA passed explicitly, a fetch wrapper that remembers exactly what an SDK sent (to prove
// the upstream got it unchanged), a fake provider that records everything it saw, the pino line of a
// decision, and a certs/ folder under an intermediate CA that Chromium can be told to trust.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompletedRequest } from 'mockttp';
import { ProxyAgent } from 'undici';
import { importCa } from '../../src/ca/authority.js';
import type { TestEgress } from './egress.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';

type GlobalDispatcher = NonNullable<RequestInit['dispatcher']>;

export interface SentRequest {
  readonly method: string;
  readonly url: string;
  /** The headers as the SDK handed them to fetch (lower-case names). */
  readonly headers: Record<string, string>;
  /** The body as the SDK handed it to fetch, when it was a string (JSON); null otherwise. */
  readonly body: string | null;
}

export interface SdkTransport {
  /**
   * For the SDK's `fetchOptions.dispatcher`: a proxy agent (npm undici) trusting only the proxy's CA,
   * typed as the global fetch's dispatcher (Node's bundled undici-types, another copy of the interface).
   */
  readonly dispatcher: GlobalDispatcher;
  /** For the SDK's `fetch`: the global fetch, recording each request before sending it. */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  readonly sent: SentRequest[];
  close(): Promise<void>;
}

/**
 * Node 20's global fetch is its bundled undici 6; it accepts a `dispatcher` from the npm undici 7
 * package (the Dispatcher interface is compatible), so the SDKs keep their own fetch and body encoding.
 */
export function sdkTransport(proxyUrl: string, caPem: string): SdkTransport {
  const dispatcher = new ProxyAgent({ uri: proxyUrl, requestTls: { ca: caPem } });
  const sent: SentRequest[] = [];
  return {
    dispatcher: dispatcher as unknown as GlobalDispatcher,
    sent,
    fetch: (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      sent.push({
        method: init?.method ?? 'GET',
        url,
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
        body: typeof init?.body === 'string' ? init.body : null,
      });
      return fetch(input, init);
    },
    close: () => dispatcher.close(),
  };
}

export interface FakeProvider {
  readonly upstream: FakeUpstream;
  /** Every request the fake saw, in order (method, path with query, headers, body). */
  readonly seen: CompletedRequest[];
}

/** A mockttp fake provider that records every request it receives, whatever rule answers it. */
export async function startFakeProvider(): Promise<FakeProvider> {
  const upstream = await startFakeUpstream();
  const seen: CompletedRequest[] = [];
  await upstream.server.on('request', (req) => {
    seen.push(req);
  });
  return { upstream, seen };
}

/** Awaits `promise` and returns what it rejected with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused');
}

/**
 * The pino `decision` line with this id. Decisions are published when the exchange closes, which
 * may be a moment after the client has its response, so this waits for the line (up to `ms`).
 */
export async function decisionLine(zdr: TestEgress, id: string, ms = 5000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const line = zdr.logLines().find((l) => l['msg'] === 'decision' && l['decision_id'] === id);
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no decision line for ${id}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A certs/ folder holding an intermediate CA issued by a throwaway corporate root (made with openssl),
 * imported the way `zdr-egress ca import` does, for `startTestEgress({ certsDir })`.
 *
 * Why: Chromium's --ignore-certificate-errors-spki-list only matches certificates the server sends.
 * Under zdr-egress's own root the server sends the leaf alone (docs/ca.md), so the root's SPKI never
 * matches; under an intermediate the proxy sends the intermediate with every leaf, and
 * `egress.caSpki` (the intermediate's SPKI) lets Chromium accept our leaves without an NSS database.
 */
export function intermediateCertsDir(): string {
  const work = mkdtempSync(join(tmpdir(), 'zdr-corp-pki-'));
  const openssl = (args: string): void => {
    execFileSync('openssl', args.split(' '), {
      cwd: work,
      stdio: 'pipe',
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    });
  };
  const newKey = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';
  openssl(
    `req -x509 ${newKey} -keyout root.key -out root.pem -days 30 -subj /O=Example/CN=e2e-corporate-root ` +
      '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl(`req ${newKey} -keyout ca.key -out ca.csr -subj /O=Example/CN=e2e-zdr-egress-intermediate`);
  writeFileSync(
    join(work, 'ext.cnf'),
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' +
      'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  openssl(
    'x509 -req -in ca.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -extfile ext.cnf -out ca.pem',
  );
  const certs = mkdtempSync(join(tmpdir(), 'zdr-certs-intermediate-'));
  importCa(certs, { cert: join(work, 'ca.pem'), key: join(work, 'ca.key'), chain: join(work, 'root.pem') });
  return certs;
}
