// Starts a real zdr-egress in-process on loopback ports, with its own temporary certs/, data/ and a
// copy of the shipped policies/ (plus any approved test keys), and a pino log captured in memory.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { resolveConfig } from '../../src/config/config.js';
import { startEgress, type RunningEgress } from '../../src/main.js';
import { addCredential } from '../../src/policy/credentials-edit.js';
import { fingerprint } from '../../src/classify/index.js';
import { createLogger } from '../../src/telemetry/logger.js';

export const REPO_POLICIES = new URL('../../policies/', import.meta.url).pathname;

export interface TestEgress {
  readonly egress: RunningEgress;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly caPem: string;
  readonly dirs: { readonly certs: string; readonly data: string; readonly policies: string };
  /** Everything pino wrote, one JSON object per line. */
  logLines(): Record<string, unknown>[];
  logText(): string;
  stop(): Promise<void>;
}

export interface TestEgressOptions {
  readonly resolve?: readonly string[];
  readonly upstreamCa?: readonly string[];
  /** Raw keys to approve in credentials.yaml, by provider. */
  readonly approve?: readonly { provider: string; key: string }[];
  /** A policy folder to copy instead of the shipped one. */
  readonly policiesFrom?: string;
  /** Extra config keys (snake_case, as in the YAML config). */
  readonly config?: Record<string, unknown>;
  readonly certsDir?: string;
}

export function preparePolicies(from: string, approve: TestEgressOptions['approve'] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'zdr-policies-'));
  cpSync(from, dir, { recursive: true });
  const file = join(dir, 'credentials.yaml');
  let text = readFileSync(file, 'utf8');
  for (const [i, a] of approve.entries()) {
    const edited = addCredential(text, {
      provider: a.provider,
      fingerprint: fingerprint(a.key),
      label: `test key ${i}`,
    });
    if (!edited.ok) throw new Error(edited.message);
    text = edited.text;
  }
  writeFileSync(file, text);
  return dir;
}

export async function startTestEgress(opts: TestEgressOptions = {}): Promise<TestEgress> {
  const certs = opts.certsDir ?? mkdtempSync(join(tmpdir(), 'zdr-certs-'));
  const data = mkdtempSync(join(tmpdir(), 'zdr-data-'));
  const policies = preparePolicies(opts.policiesFrom ?? REPO_POLICIES, opts.approve);
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logged += chunk.toString('utf8');
      cb();
    },
  });
  const config = resolveConfig([
    {
      source: 'test',
      values: {
        listen: '127.0.0.1:0',
        admin: '127.0.0.1:0',
        certs,
        data,
        policies,
        resolve: [...(opts.resolve ?? [])],
        upstream_ca: [...(opts.upstreamCa ?? [])],
        log_level: 'info',
        shutdown_grace: '2s',
        ...opts.config,
      },
    },
  ]);
  const egress = await startEgress(config, { logger: createLogger('info', sink), announce: () => undefined });
  return {
    egress,
    proxyUrl: egress.proxyUrl,
    adminUrl: egress.adminUrl,
    caPem: egress.caPem,
    dirs: { certs, data, policies },
    logText: () => logged,
    logLines: () =>
      logged
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: () => egress.stop(500),
  };
}
