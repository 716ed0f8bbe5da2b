// Decision-log benchmark. Run after `npm run build`:
//   node bench/decision-log.mjs [--rows 10000000] [--inserts 500000] [--skip-big]
// 1. sustained appends through DecisionLog.append() + batched flush (writer thread, then inline), with
//    the proxy thread's event-loop delay while it happens;
// 2. an open-loop run at exactly 50,000 decisions/s for 10 s (drops, queue, event-loop delay);
// 3. report queries on a --rows database (built with one bulk transaction in /tmp, deleted afterwards),
//    and appends into that database at size. --db DIR times the queries on an existing log only.
// --ordered-ids: time-ordered ids instead of random UUIDs (see the id note in docs/decision-log.md).
// Data: ~2,000 users and ~40 AI hosts with Zipf-like popularity, 15% of decisions not allowed, spread
// over 90 days. ZDR_BENCH_FROM=<dir> imports another compiled decision-log directory.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const ROWS = arg('rows', 10_000_000);
const INSERTS = arg('inserts', 500_000);
const SKIP_BIG = process.argv.includes('--skip-big');
/** --db DIR: only time the report queries on an existing data directory (kept, not deleted);
 * with --append, also append 200,000 decisions into it. */
const dbFlag = process.argv.indexOf('--db');
const EXISTING = dbFlag === -1 ? null : process.argv[dbFlag + 1];
const from = process.env.ZDR_BENCH_FROM ?? path.resolve(import.meta.dirname, '..', 'dist', 'decision-log');
const imp = (f) => import(pathToFileURL(path.join(from, f)).href);
const { openDecisionLog } = await imp('log.js');
const { openReportReader } = await imp('queries.js');
const { DecisionStore } = await imp('store.js');
const { toRow, COLUMNS } = await imp('row.js');

const DAY = 86_400_000;
const NOW = Date.now();
const SPAN = 90 * DAY;

// ---- data -----------------------------------------------------------------------------------------
let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
function zipf(n, s) {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  const cdf = w.map((x) => (acc += x / total));
  return () => {
    const r = rand();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
const PROVIDERS = ['openai', 'anthropic', 'google', 'mistral', 'deepseek'];
const HOSTS = Array.from({ length: 40 }, (_, i) => ({
  host:
    ['chatgpt.com', 'api.openai.com', 'claude.ai', 'api.anthropic.com', 'gemini.google.com'][i] ??
    `ai-host-${i}.example.com`,
  provider: PROVIDERS[i % PROVIDERS.length],
  surface: i % 2 === 0 ? 'consumer' : 'api',
}));
const REASONS = [
  'consumer_surface',
  'unapproved_credential',
  'retaining_feature',
  'data_retaining_endpoint',
  'missing_credential',
  'retaining_tool',
  'console_surface',
  'provider_not_zdr',
];
const pickUser = zipf(2_000, 1.05);
const pickHost = zipf(HOSTS.length, 1.2);
const pickReason = zipf(REASONS.length, 1);
let idCounter = 0;
/** Random v4 UUIDs are what the proxy uses today; --ordered-ids uses time-ordered ids (UUIDv7-like). */
const ORDERED_IDS = process.argv.includes('--ordered-ids');
const newId = (ts) =>
  ORDERED_IDS
    ? `${ts.toString(16).padStart(12, '0')}-${(idCounter++).toString(16).padStart(8, '0')}`
    : randomUUID();

function makeRecord(ts) {
  const u = pickUser();
  const h = HOSTS[pickHost()];
  const r = rand();
  const action = r < 0.85 ? 'allow' : r < 0.95 ? 'block' : r < 0.99 ? 'report' : 'warn';
  return {
    id: newId(ts),
    ts,
    clientIp: `10.${(u >> 8) & 255}.${u & 255}.${(u * 7) % 250}`,
    user: u % 20 === 0 ? null : `user${u}@corp.example`,
    host: h.host,
    port: 443,
    method: 'POST',
    path: '/v1/chat/completions',
    provider: h.provider,
    surface: h.surface,
    credentialKind: 'openai_api_key',
    credentialFp: 'ab12'.repeat(16),
    action,
    reason: action === 'allow' ? 'allowed' : REASONS[pickReason()],
    ruleId: 'bench.rule',
    status: action === 'allow' ? 200 : 403,
    bytesUp: 1200,
    bytesDown: 5400,
    durationMs: 420,
    policyVersion: 'bench0000001',
  };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-bench-dlog-'));
const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
process.on('exit', cleanup);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- 1. closed-loop appends ---------------------------------------------------------------------------
async function appendRun(label, dir, n, writer) {
  const log = openDecisionLog({ dataDir: dir, writer });
  // Decisions arrive in time order, as from the proxy.
  const start = Date.now();
  const records = Array.from({ length: n }, (_, i) => makeRecord(start + Math.floor(i / 50)));
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1_000) {
    for (let j = i; j < Math.min(n, i + 1_000); j++) log.append(records[j]);
    // Closed loop: do not outrun the writer by more than 50,000 queued records.
    while (log.health().queued > 50_000) await pause(1);
    await new Promise((r) => setImmediate(r));
  }
  while (log.health().written + log.health().dropped < n) await pause(1);
  const secs = (performance.now() - t0) / 1000;
  delay.disable();
  const h = log.health();
  log.close();
  console.log(
    `${label}: ${fmt(n / secs)} decisions/s (${fmt(n)} in ${secs.toFixed(2)} s, dropped ${h.dropped}); ` +
      `event-loop delay p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
  );
}

// ---- 2. open loop at 50k/s ------------------------------------------------------------------------------
async function openLoop(dir, rate, seconds) {
  const log = openDecisionLog({ dataDir: dir });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  let sent = 0;
  let maxQueued = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    for (; sent < due; sent++) log.append(makeRecord(Date.now()));
    maxQueued = Math.max(maxQueued, log.health().queued);
    await pause(1);
  }
  const tEnd = performance.now();
  while (log.health().written + log.health().dropped < sent) await pause(1);
  const lag = performance.now() - tEnd;
  delay.disable();
  const h = log.health();
  log.close();
  console.log(
    `open loop at ${fmt(rate)}/s for ${seconds} s: ${fmt(sent)} appended, ${fmt(h.written)} written, dropped ${h.dropped}, ` +
      `max queued ${fmt(maxQueued)}, caught up ${fmt(lag)} ms after the end; event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
  );
}

// ---- 3. a big database --------------------------------------------------------------------------------
function buildBig(dir, rows) {
  const t0 = performance.now();
  DecisionStore.open(dir).close(); // schema and pragmas
  const db = new Database(path.join(dir, 'decisions.db'));
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const indexes = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'decisions' AND sql IS NOT NULL",
    )
    .all();
  for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
  const insert = db.prepare(
    `INSERT INTO decisions (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
  );
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(toRow(makeRecord(NOW - SPAN + Math.floor((i / rows) * SPAN))));
  })();
  const t1 = performance.now();
  for (const i of indexes) db.exec(i.sql);
  db.close();
  const t2 = performance.now();
  const store = DecisionStore.open(dir);
  store.rebuildRollups();
  store.close();
  const t3 = performance.now();
  const size = fs.statSync(path.join(dir, 'decisions.db')).size;
  console.log(
    `built ${fmt(rows)} rows: insert ${((t1 - t0) / 1000).toFixed(0)} s, indexes ${((t2 - t1) / 1000).toFixed(0)} s, rollups ${((t3 - t2) / 1000).toFixed(0)} s; file ${(size / 2 ** 30).toFixed(2)} GiB`,
  );
}

function timeQueries(dir) {
  const reader = openReportReader([dir]);
  const someUser = 'user7@corp.example';
  const someId = reader.decisions({ since: NOW - DAY, limit: 1 }).rows[0]?.id ?? 'none';
  const cases = [
    ['summary, last 24h', () => reader.summary({ since: NOW - DAY })],
    ['summary, last 7d', () => reader.summary({ since: NOW - 7 * DAY })],
    ['summary, all 90d', () => reader.summary({})],
    ['summary, 90d, action=block', () => reader.summary({ action: 'block' })],
    ['summary, 90d, reason=consumer_surface', () => reader.summary({ reason: 'consumer_surface' })],
    ['summary, 90d, user=<one user>', () => reader.summary({ user: someUser })],
    ['summary, 90d, host=claude.ai', () => reader.summary({ host: 'claude.ai' })],
    [
      'summary, 7d, provider=openai (raw path for host/user breakdowns)',
      () => reader.summary({ since: NOW - 7 * DAY, provider: 'openai' }),
    ],
    ['timeline, 7d by hour', () => reader.timeline({ since: NOW - 7 * DAY }, 'hour')],
    ['decisions page 1 (50), 90d', () => reader.decisions({ limit: 50 })],
    ['decisions page at offset 1,000,000', () => reader.decisions({ limit: 50, offset: 1_000_000 })],
    [
      'decisions, 90d, reason=provider_not_zdr page 1',
      () => reader.decisions({ reason: 'provider_not_zdr', limit: 50 }),
    ],
    ['decisions, 90d, user=<one user> page 1', () => reader.decisions({ user: someUser, limit: 50 })],
    ['why (byId)', () => reader.byId(someId)],
  ];
  for (const [label, fn] of cases) {
    const times = [];
    let result;
    for (let i = 0; i < 4; i++) {
      const t = performance.now();
      result = fn();
      times.push(performance.now() - t);
    }
    const warm = times.slice(1).sort((a, b) => a - b)[1];
    const total = result?.total ?? (Array.isArray(result) ? result.length : '');
    console.log(
      `  ${label.padEnd(66)} first ${times[0].toFixed(0).padStart(5)} ms, warm ${warm.toFixed(0).padStart(5)} ms  (${total})`,
    );
  }
  reader.close();
}

console.log(
  `decision-log bench: node ${process.version}, ${os.cpus().length} CPUs, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
if (EXISTING !== null) {
  console.log(`report queries on ${EXISTING}:`);
  timeQueries(EXISTING);
  if (process.argv.includes('--append'))
    await appendRun(`append into ${EXISTING}, writer thread`, EXISTING, 200_000, 'thread');
  cleanup();
  process.exit(0);
}
await appendRun('append, writer thread', path.join(tmp, 'a'), INSERTS, 'thread');
await appendRun('append, inline writer', path.join(tmp, 'b'), Math.min(INSERTS, 200_000), 'inline');
await openLoop(path.join(tmp, 'c'), 50_000, 10);
if (!SKIP_BIG) {
  const big = path.join(tmp, 'big');
  buildBig(big, ROWS);
  console.log(`report queries on ${fmt(ROWS)} rows:`);
  timeQueries(big);
  await appendRun(`append into the ${fmt(ROWS)}-row db, writer thread`, big, 200_000, 'thread');
}
console.log(
  `load at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
cleanup();
