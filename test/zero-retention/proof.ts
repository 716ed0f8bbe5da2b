// One run of the zero-retention proof: a zdr-egress child process with a real OTLP receiver, the
// session, then every sink collected: the SQLite files (copied while running and again after
// exit), stdout and stderr, every OTLP payload, every body the proxy generated, and a heap
// snapshot taken once every connection has closed (taking it runs a full GC first).
import { createHash, X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { REPO_POLICIES, preparePolicies } from '../helpers/egress.js';
import { startOtlpReceiver, type OtlpSignal } from '../helpers/otlp-receiver.js';
import { createCanaries, type Canaries } from './canaries.js';
import { startChild } from './child.js';
import { startFakes } from './fakes.js';
import { runSession, type SessionResult } from './session.js';

export const INSPECTION_CAP = 32 * 1024;
const DB_FILES = ['decisions.db', 'decisions.db-wal', 'decisions.db-shm'];

export interface Sink {
  readonly name: string;
  readonly bytes: Buffer;
}

export interface ProofRun {
  readonly canaries: Canaries;
  readonly session: SessionResult;
  /** Every sink, each as raw bytes. */
  readonly sinks: Sink[];
  /** The heap snapshot's string table (JS strings alive after the session). */
  readonly heapStrings: string[];
  readonly otlpSignals: Record<OtlpSignal, number>;
  readonly dbRows: number;
  readonly decisions: number;
  /** Client connections (proxy port) still open, idle, when the heap snapshot was taken. */
  readonly openAtSnapshot: number;
  readonly exitCode: number | null;
  readonly timings: Record<string, number>;
}

export interface ProofSetup {
  /** certs/ holding an intermediate CA (Chromium trusts it by SPKI). */
  readonly certsDir: string;
}

/** Trust material the clients need for a certs/ folder made by intermediateCertsDir(). */
export function trustFor(certsDir: string): { trustPem: string; caSpki: string } {
  const ca = readFileSync(join(certsDir, 'ca.pem'), 'utf8');
  const chainFile = join(certsDir, 'chain.pem');
  const chain = existsSync(chainFile) ? readFileSync(chainFile, 'utf8') : '';
  const spki = new X509Certificate(ca).publicKey.export({ type: 'spki', format: 'der' });
  return { trustPem: ca + chain, caSpki: createHash('sha256').update(spki).digest('base64') };
}

export async function runProof(
  setup: ProofSetup,
  leak: string | null,
  afterStep?: (step: string, adminUrl: string) => Promise<void>,
): Promise<ProofRun> {
  const timings: Record<string, number> = {};
  let mark = Date.now();
  const lap = (name: string): void => {
    timings[name] = Date.now() - mark;
    mark = Date.now();
  };
  const c = createCanaries();
  const keys = {
    openai: `sk-proj-${c.next('credential')}-T3BlbkFJzdr`,
    anthropic: `sk-ant-api03-${c.next('credential')}-zdr`,
  };
  const fakes = await startFakes(c);
  const receiver = await startOtlpReceiver();
  const closedPort = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'zdr-zr-data-'));
  const cwd = mkdtempSync(join(tmpdir(), 'zdr-zr-cwd-'));
  const policies = preparePolicies(REPO_POLICIES, [
    { provider: 'openai', key: keys.openai },
    { provider: 'anthropic', key: keys.anthropic },
  ]);
  const { trustPem, caSpki } = trustFor(setup.certsDir);
  const resolve = fakes.upstream
    .resolveFor(
      'api.openai.com',
      'api.anthropic.com',
      'generativelanguage.googleapis.com',
      'chatgpt.com',
      'claude.ai',
    )
    .concat([`eu.api.openai.com:443:127.0.0.1:${closedPort}`, `www.example.test:80:127.0.0.1:${closedPort}`]);
  const child = await startChild({
    cwd,
    args: [
      '--listen',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--certs',
      setup.certsDir,
      '--data',
      data,
      '--policies',
      policies,
      '--upstream-ca',
      fakes.upstream.caFile,
      '--inspection-cap',
      String(INSPECTION_CAP),
      '--log-level',
      'trace',
      '--shutdown-grace',
      '2s',
      ...resolve.flatMap((r) => ['--resolve', r]),
    ],
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRICS_EXPORTER: 'otlp,prometheus',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      ...(leak === null ? {} : { ZDR_EGRESS_TEST_LEAK: leak }),
    },
  });
  lap('start');
  let session: SessionResult;
  try {
    session = await runSession(
      { proxyUrl: child.proxyUrl, trustPem, caSpki, inspectionCapBytes: INSPECTION_CAP },
      c,
      keys,
      afterStep && ((step) => afterStep(step, child.adminUrl)),
    );
    lap('session');
    // Requests have ended; the clients' idle pooled connections (and the proxy's upstream pool)
    // are still open, as they would be in real use, when the snapshot is taken.
    const { decisions, open: openAtSnapshot } = await quiesce(
      child.adminUrl,
      join(data, 'decisions.db'),
      false,
    );
    lap('quiesce');
    const running = DB_FILES.filter((f) => existsSync(join(data, f))).map((f) => {
      const copy = join(cwd, `running-${f}`);
      copyFileSync(join(data, f), copy);
      return { name: `sqlite (running) ${f}`, bytes: readFileSync(copy) };
    });
    const snapshotPath = await child.heapSnapshot();
    lap('heap snapshot');
    await session.closeClients();
    // Every connection closes once its client has gone (no CLOSE-WAIT sockets left behind).
    await quiesce(child.adminUrl, join(data, 'decisions.db'), true);
    lap('close');
    const exitCode = await child.stop();
    lap('stop');
    const heapRaw = readFileSync(snapshotPath);
    const heapStrings = (JSON.parse(heapRaw.toString('utf8')) as { strings: string[] }).strings;
    const stopped = DB_FILES.filter((f) => existsSync(join(data, f))).map((f) => ({
      name: `sqlite (stopped) ${f}`,
      bytes: readFileSync(join(data, f)),
    }));
    const db = new Database(join(data, 'decisions.db'), { readonly: true, fileMustExist: true });
    const dbRows = (db.prepare('SELECT count(*) AS n FROM decisions').get() as { n: number }).n;
    db.close();
    const otlp = receiver.payloads.map((p, i) => ({ name: `otlp ${p.signal} #${i}`, bytes: p.raw }));
    const count = (s: OtlpSignal): number => receiver.bySignal(s).length;
    lap('collect');
    return {
      canaries: c,
      session,
      sinks: [
        { name: 'stdout', bytes: child.stdout() },
        { name: 'stderr', bytes: child.stderr() },
        ...running,
        ...stopped,
        ...otlp,
        ...session.bodies.map((b) => ({
          name: `generated body: ${b.step} (${b.status})`,
          bytes: Buffer.from(b.text),
        })),
        { name: 'heap snapshot (raw file)', bytes: heapRaw },
      ],
      heapStrings,
      otlpSignals: { traces: count('traces'), metrics: count('metrics'), logs: count('logs') },
      dbRows,
      decisions,
      openAtSnapshot,
      exitCode,
      timings,
    };
  } finally {
    await child.stop();
    await receiver.close();
    await fakes.stop();
    // The heap snapshot alone is tens of MB: nothing of a run stays in /tmp.
    for (const dir of [cwd, data, policies]) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Waits until the decision log holds every decision taken (the Prometheus counter says how many)
 * and, when asked, until every client connection has closed; returns both numbers.
 */
async function quiesce(
  adminUrl: string,
  dbFile: string,
  waitForClose: boolean,
): Promise<{ decisions: number; open: number }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = await fetch(`${adminUrl}/metrics`).then((r) => r.text());
    const gauge = (name: string): number =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const decisions = [...text.matchAll(/^zdr_egress_decisions_total\{[^}]*\} (\S+)$/gm)].reduce(
      (s, m) => s + Number(m[1]),
      0,
    );
    const open =
      gauge('zdr_egress_connections_active') +
      gauge('zdr_egress_intercepted_active') +
      gauge('zdr_egress_tunnels_active');
    let rows = -1;
    if (existsSync(dbFile)) {
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      rows = (db.prepare('SELECT count(*) AS n FROM decisions').get() as { n: number }).n;
      db.close();
    }
    if ((open === 0 || !waitForClose) && decisions > 0 && rows === decisions) return { decisions, open };
    if (Date.now() > deadline)
      throw new Error(
        `not quiet after 20 s: connections/intercepted/tunnels open ${['connections', 'intercepted', 'tunnels'].map((n) => gauge(`zdr_egress_${n}_active`)).join('/')}, ${rows} of ${decisions} decisions logged`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
