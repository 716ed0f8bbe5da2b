// Fake providers and websites: mockttp HTTPS servers on loopback with their own CA, which the
// proxy trusts through --upstream-ca and reaches through --resolve.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCACertificate, getLocal, type Mockttp } from 'mockttp';

export interface FakeUpstream {
  readonly server: Mockttp;
  readonly port: number;
  readonly caPem: string;
  readonly caFile: string;
  /** `--resolve` entries sending each host's port 443 to this server. */
  resolveFor(...hosts: string[]): string[];
  stop(): Promise<void>;
}

let caPromise: Promise<{ key: string; cert: string }> | null = null;

export async function startFakeUpstream(): Promise<FakeUpstream> {
  caPromise ??= generateCACertificate({ bits: 2048, subject: { commonName: 'fake upstream CA (tests)' } });
  const ca = await caPromise;
  const server = getLocal({ https: { key: ca.key, cert: ca.cert } });
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'zdr-upstream-ca-'));
  const caFile = join(dir, 'upstream-ca.pem');
  writeFileSync(caFile, ca.cert);
  return {
    server,
    port: server.port,
    caPem: ca.cert,
    caFile,
    resolveFor: (...hosts) => hosts.map((h) => `${h}:443:127.0.0.1:${server.port}`),
    stop: () => server.stop(),
  };
}
