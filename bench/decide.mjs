// Per-request policy work, without sockets: classifyHead + needsBody + classifyBody + decide (what
// pipeline.handle runs for every intercepted request), decideConnect (every CONNECT), and their parts.
//   node bench/decide.mjs [--ms 1000] [--json]      (after `npm run build`)
// The policy is the shipped folder plus bench/policies/ (the zdrbench provider the end-to-end bench
// uses). Each case runs for --ms milliseconds after a warm-up; the table shows ns per call, calls per
// second and bytes allocated per call (heap growth with GC kept out of the timed loop as far as V8
// allows: rough, but it shows per-request object churn).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const HERE = import.meta.dirname;
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? dflt : argv[i + 1];
};
const MS = Number(opt('ms', 1000));
const repo = path.resolve(opt('repo', path.join(HERE, '..')));
const dist = (f) => import(pathToFileURL(path.join(repo, 'dist', f)).href);
const { loadPolicyDir } = await dist('policy/load.js');
const { classifyHead, classifyBody, fingerprint } = await dist('classify/index.js');
const { decide, decideConnect, needsBody } = await dist('policy/decide.js');
const { readBody } = await dist('classify/body.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-bench-decide-'));
for (const d of [path.join(repo, 'policies'), path.join(HERE, 'policies')])
  for (const f of fs.readdirSync(d))
    if (f.endsWith('.yaml')) fs.copyFileSync(path.join(d, f), path.join(dir, f));
const t0 = performance.now();
const loaded = loadPolicyDir(dir);
const compileMs = performance.now() - t0;
fs.rmSync(dir, { recursive: true, force: true });
if (!loaded.ok) throw new Error(`bench policy does not load: ${JSON.stringify(loaded.errors.slice(0, 3))}`);
const policy = loaded.policy;

const BODY = Buffer.from(
  JSON.stringify({
    model: 'peerbench-model',
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Summarise the benchmark. '.repeat(12) }],
  }),
);
const head = (host, target, headers, method = 'POST') => ({
  method,
  host,
  port: host === 'api.zdr.test' ? 9443 : 443,
  scheme: 'https',
  target,
  headers,
  websocket: false,
});
const WORKLOAD = head('api.zdr.test', '/v1/messages', {
  host: 'api.zdr.test:9443',
  'content-type': 'application/json',
  'x-api-key': 'sk-peerbench-not-a-key',
  'anthropic-version': '2023-06-01',
  'content-length': String(BODY.length),
});

/** What pipeline.handle does before forwarding. */
function pipelineDecide(h, body) {
  let facts = classifyHead(h, policy);
  if (facts.bodyState === 'not_inspected' && needsBody(facts, policy)) facts = classifyBody(facts, body);
  return decide(facts, policy);
}

const check = pipelineDecide(WORKLOAD, BODY);
if (check.action !== 'allow' || check.ruleId !== 'zdrbench.messages')
  throw new Error(
    `the bench workload should be allowed by zdrbench.messages, got ${check.action} ${check.reason}`,
  );

const cases = [
  ['full pipeline decision, bench workload (allow, body inspected)', () => pipelineDecide(WORKLOAD, BODY)],
  ['  classifyHead (host lookup, credential fingerprint)', () => classifyHead(WORKLOAD, policy)],
  ['    fingerprint (SHA-256 of the key)', () => fingerprint('sk-peerbench-not-a-key')],
  ['  readBody (JSON.parse of the 330-byte body + fields)', () => readBody(BODY)],
  [
    '  decide on ready facts',
    (
      (f) => () =>
        decide(f, policy)
    )(classifyBody(classifyHead(WORKLOAD, policy), BODY)),
  ],
  [
    'unapproved key on api.anthropic.com (blocked before the body)',
    () =>
      pipelineDecide(
        head('api.anthropic.com', '/v1/messages', {
          'x-api-key': 'sk-ant-api03-personal',
          'content-length': '330',
        }),
        BODY,
      ),
  ],
  [
    'consumer app chatgpt.com (blocked by host)',
    () => pipelineDecide(head('chatgpt.com', '/backend-api/conversation', { 'content-length': '330' }), BODY),
  ],
  ['decideConnect, intercepted host', () => decideConnect('api.zdr.test', 9443, policy)],
  ['decideConnect, unlisted host (tunnel)', () => decideConnect('bulk.zdr.test', 9443, policy)],
];

function run(fn) {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up: let the JIT settle
  let n = 0;
  let sink = 0;
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t = process.hrtime.bigint();
  const end = performance.now() + MS;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) sink ^= fn() === null ? 1 : 0;
    n += 1000;
  }
  const ns = Number(process.hrtime.bigint() - t) / n;
  const grown = process.memoryUsage().heapUsed - heap0;
  return { ns, perSec: 1e9 / ns, bytes: grown > 0 ? grown / n : null, sink };
}

const rows = cases.map(([label, fn]) => ({ label, ...run(fn) }));
const summary = {
  node: process.version,
  cpus: os.cpus().length,
  load: os.loadavg().map((l) => +l.toFixed(2)),
  policy: policy.version,
  compile_ms: +compileMs.toFixed(0),
  rows: rows.map((r) => ({ case: r.label.trim(), ns: Math.round(r.ns), per_s: Math.round(r.perSec) })),
};
if (argv.includes('--json')) console.log(JSON.stringify(summary));
else {
  console.log(
    `decide bench: node ${process.version}, ${os.cpus().length} CPUs, load ${summary.load.join(' ')}; ` +
      `bench policy ${policy.version} loaded and compiled in ${summary.compile_ms} ms`,
  );
  console.log('| case | ns/call | calls/s | ≈bytes allocated/call |');
  console.log('|---|--:|--:|--:|');
  for (const r of rows)
    console.log(
      `| ${r.label.replace(/^ +/, (s) => '&nbsp;'.repeat(s.length))} | ${Math.round(r.ns).toLocaleString('en-US')} | ` +
        `${Math.round(r.perSec).toLocaleString('en-US')} | ${r.bytes === null ? '(GC ran)' : Math.round(r.bytes)} |`,
    );
}
