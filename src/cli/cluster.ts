// `start --workers N`: N processes share the proxy and admin ports (node:cluster); the primary
// owns the CA creation and the one decision-log writer. Workers forward their decision records
// in batches over IPC, so SQLite has a single writer however many cores serve traffic.

import cluster, { type Worker } from 'node:cluster';
import { mkdirSync } from 'node:fs';
import { loadOrCreateCa } from '../ca/authority.js';
import type { Config } from '../config/config.js';
import { openDecisionLog, type DecisionLog, type DecisionLogHealth } from '../decision-log/log.js';
import type { DecisionRecord } from '../domain/record.js';
import { startEgress } from '../main.js';

type ToPrimary = { type: 'decisions'; records: DecisionRecord[] } | { type: 'ready'; line: string };
type ToWorker = { type: 'log-health'; health: DecisionLogHealth };

export async function runPrimary(config: Config): Promise<void> {
  loadOrCreateCa(config.certs); // once, before any worker races to create it
  mkdirSync(config.data, { recursive: true });
  const log = openDecisionLog({ dataDir: config.data, retentionDays: config.decisionLog.retentionDays });
  // Let the kernel spread accepted connections (no per-connection hand-off through the primary).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const ready: string[] = [];
  const fork = (): Worker => {
    const w = cluster.fork({ ZDR_EGRESS_CLUSTER_WORKER: '1' });
    w.on('message', (m: ToPrimary) => {
      if (m.type === 'decisions') for (const r of m.records) log.append(r);
      else if (m.type === 'ready' && ready.push(m.line) === config.workers) {
        process.stdout.write(`${m.line} workers ${config.workers}\n`);
      }
    });
    return w;
  };
  for (let i = 0; i < config.workers; i++) fork();
  cluster.on('exit', (_w, code, signal) => {
    if (stopping) return;
    process.stderr.write(`zdr-egress: a worker exited (${signal ?? code}); starting another\n`);
    fork();
  });
  // A worker that is exiting stays in cluster.workers until its 'exit' event; a send to it then fails
  // with ERR_IPC_CHANNEL_CLOSED. Without the callback that is an 'error' event nobody handles, and
  // it took the primary down with it (seen under load at SIGTERM).
  const healthTimer = setInterval(() => {
    const msg: ToWorker = { type: 'log-health', health: log.health() };
    for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send(msg, () => undefined);
  }, 1000);
  healthTimer.unref();

  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(healthTimer);
    process.stderr.write(`zdr-egress: ${signal} received, draining ${config.workers} workers\n`);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    const deadline = setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    }, config.shutdownGraceMs + 5_000);
    const waitAll = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      clearInterval(waitAll);
      clearTimeout(deadline);
      log.close();
      process.exit(0);
    }, 50);
  };
  process.on('SIGUSR1', () => undefined);
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

export async function runWorker(config: Config): Promise<void> {
  const egress = await startEgress(config, {
    decisionLog: ipcDecisionLog(),
    announce: (line) => process.send?.({ type: 'ready', line } satisfies ToPrimary),
  });
  process.on('SIGUSR1', () => undefined);
  process.once('SIGTERM', () => {
    egress.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

/** The worker's decision sink: batches records to the primary (every 50 ms or 500 records). */
function ipcDecisionLog(): DecisionLog {
  let batch: DecisionRecord[] = [];
  let timer: NodeJS.Timeout | null = null;
  let health: DecisionLogHealth = { writable: true, dropped: 0, queued: 0, lastErrorCode: null, written: 0 };
  process.on('message', (m: ToWorker) => {
    if (m.type === 'log-health') health = m.health;
  });
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (batch.length === 0) return;
    // With the primary gone (the channel closed) nothing can record these; the worker exits next.
    if (process.connected)
      process.send?.({ type: 'decisions', records: batch } satisfies ToPrimary, () => undefined);
    batch = [];
  };
  return {
    append(record) {
      batch.push(record);
      if (batch.length >= 500) flush();
      else timer ??= setTimeout(flush, 50);
    },
    flush,
    health: () => health,
    close: flush,
  };
}

export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env.ZDR_EGRESS_CLUSTER_WORKER === '1';
}
