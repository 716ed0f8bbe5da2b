// Quick proxy benchmark (issue 2's closing figure, and the A/B tool for optimisations): intercepted
// keep-alive POST /v1/messages at concurrency 1 and 32 through zdr-egress, and the same requests
// direct, against a local HTTPS upstream; optionally a new TLS connection per request (c=8).
//   node bench/quick.mjs [--repo DIR[,ARG...]]... [--duration 5] [--rounds 1] [--scenarios ka1,ka32,newconn]
//                        [--peer squid]... [--no-direct] [--parallel] [--perf] [--pin] [--json]
// Needs a build (`npm run build`) and openssl. Self-contained: it makes a throwaway upstream CA with
// openssl, runs the upstream and the proxy as child processes (so that the proxy's CPU can be read from
// /proc), and points the proxy at the upstream with --resolve api.zdr.test:443:127.0.0.1:<port>, so
// no /etc/hosts entry is needed. The policy is the shipped folder plus bench/policies/ (every request
// pays classification, credential fingerprint, body inspection, decision, decision log, telemetry).
// Several --repo (builds of zdr-egress, each with dist/) are measured side by side: one after the other
// (rotating order), or all at the same time with --parallel, which exposes them to the same
// disturbance from other jobs on a shared host (the CPU ratio between them is then the steady figure).
// --repo floor:pipe, floor:lean, floor:dispatch and floor:http measure the reference floors of bench/floor.mjs alongside.
// --perf also counts the proxy's system calls and context switches per request (perf stat).
// --perf-record DIR samples each proxy with `perf record -g` while it is measured (DIR/<label>.<scenario>.data);
// add `node:--perf-basic-prof` to a --repo so that JavaScript frames get names. Unlike --cpu-prof it
// also sees native work that runs outside JavaScript (TLS records decrypted before any callback).
// --pin runs the proxies on CPU 0 and this client and the upstream on CPU 1 (taskset): the proxy is then
// not preempted by its own peers, which makes --cpu-prof profiles (wall-clock samples) honest.
// The table shows medians over rounds. "proxy CPU µs/req" (user + system of the proxy process, all
// threads, divided by requests) is the steadiest figure on a shared machine.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { startNodeFlags } from './start-flags.mjs';
import { makeUpstreamPki } from './upstream-pki.mjs';

const HERE = import.meta.dirname;
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? dflt : argv[i + 1];
};
const CLK_TCK = 100; // Linux USER_HZ

async function main() {
  // --repo DIR[,ARG...]: extra zdr-egress arguments for that build (e.g. `--log-level=info`), and node
  // flags prefixed with `node:` (e.g. `node:--max-semi-space-size=2`), environment variables prefixed
  // with `env:` (e.g. `env:NAME=value`), and `label:NAME` for the tables. The same DIR may appear several
  // times.
  const specs = argv.flatMap((a, i) => (a === '--repo' ? [argv[i + 1]] : []));
  if (specs.length === 0) specs.push(path.resolve(HERE, '..'));
  const builds = specs.map((spec) => {
    const [dir, ...extra] = spec.split(',');
    return {
      // floor:pipe and floor:http are the reference proxies of bench/floor.mjs.
      floor: dir.startsWith('floor:') ? dir.slice(6) : null,
      repo: dir.startsWith('floor:') ? dir : path.resolve(dir),
      nodeArgs: extra.filter((x) => x.startsWith('node:')).map((x) => x.slice(5)),
      env: Object.fromEntries(extra.filter((x) => x.startsWith('env:')).map((x) => x.slice(4).split('='))),
      label: extra.find((x) => x.startsWith('label:'))?.slice(6) ?? null,
      args: extra.filter((x) => !/^(node|env|label):/.test(x)),
      spec,
    };
  });
  const repos = builds.map((b) => b.repo);
  // --peer NAME: a peerbench plugin (e.g. squid, mitmproxy) from the staged harness ($PB_WORK, made by
  // run-all.sh), pointed at this run's upstream; it needs api.zdr.test in /etc/hosts (run-all.sh adds it).
  const peers = argv.flatMap((a, i) => (a === '--peer' ? [argv[i + 1]] : []));
  const pbWork = process.env.PB_WORK ?? path.join(os.tmpdir(), 'zdr-bench');
  const durationMs = Number(opt('duration', 5)) * 1000;
  const warmupMs = Number(opt('warmup', 1)) * 1000;
  const rounds = Number(opt('rounds', 1));
  const scenarios = String(opt('scenarios', 'ka1,ka32')).split(',');
  const asJson = argv.includes('--json');
  const parallel = argv.includes('--parallel');
  const withDirect = !argv.includes('--no-direct') && !parallel;
  const usePerf = argv.includes('--perf');
  const perfRecordDir = opt('perf-record', null);
  const pin = argv.includes('--pin');
  const pinned = (cpu, cmd, args) => (pin ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args]);
  if (pin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  for (const b of builds)
    if (b.floor === null && !fs.existsSync(path.join(b.repo, 'dist', 'cli', 'index.js')))
      throw new Error(`no ${b.repo}/dist: run npm run build first`);
  const require = createRequire(path.join(HERE, '..', 'package.json'));
  const { request, Agent, ProxyAgent } = require('undici');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-quick-'));
  const children = [];
  const cleanup = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  const runsPerRound = scenarios.length * (parallel ? 1 : repos.length + (withDirect ? 1 : 0));
  const guard = setTimeout(
    () => {
      console.error('quick.mjs: global timeout');
      process.exit(3);
    },
    rounds * runsPerRound * (durationMs + warmupMs + 15_000) + 60_000 * repos.length,
  );
  guard.unref();

  // Throwaway upstream PKI (ECDSA P-256, like the peerbench upstream).
  makeUpstreamPki(tmp, 'api.zdr.test', 'zdr quick upstream CA');
  const upstreamCa = fs.readFileSync(path.join(tmp, 'ca.pem'));

  const upstream = spawn(...pinned(1, process.execPath, [import.meta.filename, '--serve-upstream', tmp]), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(upstream);
  const upstreamPort = Number(await firstLine(upstream.stdout, /^(\d+)$/, 10_000));

  // The CA is kept between runs (creating one costs an RSA key generation, seconds on a busy machine).
  const certs = path.join(os.tmpdir(), 'zdr-quick-ca');
  const proxies = [];
  for (const [i, { repo, floor, nodeArgs, env, args, spec, label: named }] of builds.entries()) {
    // Policy: shipped + bench overlay (same as bench/peers/zdr-egress.sh).
    const policies = path.join(tmp, `policies-${i}`);
    fs.mkdirSync(policies);
    if (floor === null)
      for (const dir of [path.join(repo, 'policies'), path.join(repo, 'bench', 'policies')])
        for (const f of fs.readdirSync(dir))
          if (f.endsWith('.yaml')) fs.copyFileSync(path.join(dir, f), path.join(policies, f));
    const entry =
      floor === null ? [path.join(repo, 'dist', 'cli', 'index.js')] : [path.join(HERE, 'floor.mjs'), floor];
    const child = spawn(
      ...pinned(0, process.execPath, [
        ...(floor === null ? startNodeFlags(repo) : []),
        ...(process.env.ZDR_QUICK_NODE_ARGS ? process.env.ZDR_QUICK_NODE_ARGS.split(' ') : []),
        ...nodeArgs,
        ...entry,
        'start',
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
        '--policies',
        policies,
        '--certs',
        certs,
        '--data',
        path.join(tmp, `data-${i}`),
        '--upstream-ca',
        path.join(tmp, 'ca.pem'),
        '--resolve',
        `api.zdr.test:443:127.0.0.1:${upstreamPort}`,
        '--log-level',
        process.env.ZDR_QUICK_LOG_LEVEL ?? 'warn',
        ...args,
      ]),
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
    );
    children.push(child);
    const url = await firstLine(child.stdout, /proxy (http:\/\/\S+)/, 90_000);
    child.stdout.resume();
    const base =
      (floor === null ? path.basename(repo) : repo) +
      (spec.includes(',') ? `,${spec.split(',').slice(1).join(',')}` : '');
    const fallback =
      builds.length === 1
        ? 'proxy'
        : builds.filter((b) => b.spec === spec).length > 1
          ? `${base}#${i}`
          : base;
    const label = named ?? fallback;
    proxies.push({ label, child, url });
  }
  const proxyCa = fs.readFileSync(path.join(certs, 'ca.pem'));
  // Squid drops to user `proxy`: it must be able to read the upstream CA in our temp folder.
  if (peers.length > 0) fs.chmodSync(tmp, 0o755);
  for (const name of peers) {
    const plugin = path.join(pbWork, 'proxies', `${name}.sh`);
    if (!fs.existsSync(plugin))
      throw new Error(`no ${plugin}: run the harness once (npm run bench) to stage it`);
    const env = {
      ...process.env,
      PB_DIR: pbWork,
      UPSTREAM_PORT: String(upstreamPort),
      UPSTREAM_CA: path.join(tmp, 'ca.pem'),
    };
    const line = execFileSync(plugin, ['start'], { env, encoding: 'utf8', timeout: 60_000 })
      .trim()
      .split('\n')
      .at(-1);
    const kv = Object.fromEntries(
      line.split(' ').map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]),
    );
    const pid = Number(kv.pid);
    const child = {
      pid,
      exitCode: null,
      kill() {
        if (this.exitCode === null)
          execFileSync(plugin, ['stop', String(pid)], { env, stdio: 'ignore', timeout: 30_000 });
        this.exitCode = 0;
      },
      once: (_e, cb) => cb(),
    };
    children.push(child);
    proxies.push({ label: name, child, url: kv.url, ca: fs.readFileSync(kv.ca), peer: true });
    if (pin) execFileSync('taskset', ['-apc', '0', String(pid)], { stdio: 'ignore' });
  }
  // Squid reads /etc/hosts in the background after it starts listening, and caches a failed lookup
  // for a minute (negative_dns_ttl): give it a moment before the first request.
  if (peers.length > 0) await new Promise((r) => setTimeout(r, 2000));

  const REQ_BODY = JSON.stringify({
    model: 'peerbench-model',
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Summarise the benchmark. '.repeat(12) }],
  });
  const REQ_HEADERS = {
    'content-type': 'application/json',
    'x-api-key': 'sk-peerbench-not-a-key',
    'anthropic-version': '2023-06-01',
  };
  const lookup = (host, o, cb) =>
    o?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
  const common = { keepAliveTimeout: 30_000, headersTimeout: 15_000, bodyTimeout: 15_000 };
  const dispatcher = (target, fresh) =>
    target === null
      ? new Agent({ ...common, connect: { ca: upstreamCa, lookup, maxCachedSessions: fresh ? 0 : 100 } })
      : new ProxyAgent({
          uri: target.url,
          requestTls: { ca: target.ca ?? proxyCa, maxCachedSessions: fresh ? 0 : 100 },
          ...common,
        });
  // zdr-egress reaches the upstream through --resolve; peers and direct through the real port.
  const origin = (target) =>
    target === null || target.peer ? `https://api.zdr.test:${upstreamPort}` : 'https://api.zdr.test';

  async function post(d, target) {
    const { statusCode, body } = await request(`${origin(target)}/v1/messages`, {
      // A fresh object: undici's ProxyAgent adds `host` to the headers object it is given, and a host
      // without the port, left there by another target, would misroute the next request.
      method: 'POST',
      dispatcher: d,
      headers: { ...REQ_HEADERS },
      body: REQ_BODY,
    });
    let n = 0;
    let head = '';
    for await (const c of body) {
      if (n === 0 && statusCode !== 200) head = c.toString('latin1');
      n += c.length;
    }
    if (statusCode !== 200 || n !== 1024)
      throw new Error(
        `HTTP ${statusCode}, ${n} bytes ${(head.match(/ERR_[A-Z_]+|X509_[A-Z_]+|"reason":"[a-z_]+"|returned:[^<]*|<p>[^<]{0,160}/g) ?? []).join(' ')}`,
      );
  }

  async function loop(conc, ms, op) {
    const lat = [];
    let errors = 0;
    let firstError = null;
    const deadline = performance.now() + ms;
    const worker = async () => {
      while (performance.now() < deadline && errors < 100) {
        const t = performance.now();
        try {
          await op();
          lat.push(performance.now() - t);
        } catch (e) {
          errors++;
          firstError ??= String(e?.cause?.code ?? e?.code ?? e?.message ?? e).slice(0, 120);
        }
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: conc }, worker));
    if (firstError !== null) console.error(`quick.mjs: ${errors} errors, the first: ${firstError}`);
    return { ok: lat.length, errors, secs: (performance.now() - t0) / 1000, lat: lat.sort((a, b) => a - b) };
  }

  /** One scenario against several targets at once (null = direct); CPU, latency and perf counters per target. */
  async function run(targets, scenario) {
    const conc = scenario === 'ka1' ? 1 : scenario === 'ka32' ? 32 : 8;
    const fresh = scenario === 'newconn';
    const setups = targets.map((target) => {
      const shared = fresh ? null : dispatcher(target, false);
      const op = fresh
        ? async () => {
            const d = dispatcher(target, true);
            try {
              await post(d, target);
            } finally {
              await d.close().catch(() => {});
            }
          }
        : () => post(shared, target);
      return { target, shared, op };
    });
    await Promise.all(setups.map((s) => loop(conc, warmupMs, s.op)));
    for (const s of setups) {
      if (s.target === null) continue;
      s.cpu0 = procCpuMs(s.target.child.pid);
      s.sys0 = procCpuMs(s.target.child.pid, 'sys');
      s.perf = usePerf ? startPerf(s.target.child.pid) : null;
      s.record = perfRecordDir === null ? null : startPerfRecord(s.target, scenario, perfRecordDir);
    }
    const c0 = process.cpuUsage();
    const rs = await Promise.all(setups.map((s) => loop(conc, durationMs, s.op)));
    const c = process.cpuUsage(c0);
    const out = [];
    for (const [i, s] of setups.entries()) {
      const r = rs[i];
      const proxyCpu = s.target === null ? null : procCpuMs(s.target.child.pid) - s.cpu0;
      const proxySys = s.target === null ? null : procCpuMs(s.target.child.pid, 'sys') - s.sys0;
      const counters = s.perf ? await s.perf.stop() : null;
      await s.record?.stop();
      await s.shared?.close();
      const at = (q) => r.lat[Math.min(r.lat.length - 1, Math.floor(q * r.lat.length))] ?? NaN;
      out.push({
        target: s.target === null ? 'direct' : s.target.label,
        scenario,
        conc,
        ok: r.ok,
        errors: r.errors,
        rps: r.ok / r.secs,
        p50: at(0.5),
        p99: at(0.99),
        proxyCpuUs: proxyCpu === null ? null : (proxyCpu * 1000) / r.ok,
        proxySysUs: proxySys === null ? null : (proxySys * 1000) / r.ok,
        syscallsPerReq: counters ? counters.syscalls / r.ok : null,
        cswPerReq: counters ? counters.csw / r.ok : null,
        clientCpuUs: targets.length === 1 ? (c.user + c.system) / r.ok : null,
      });
    }
    return out;
  }

  const results = [];
  for (let round = 0; round < rounds; round++) {
    for (const scenario of scenarios) {
      if (parallel) {
        for (const r of await run(proxies, scenario)) results.push({ round, ...r });
        continue;
      }
      const order = [...(withDirect ? [null] : []), ...proxies];
      for (let k = 0; k < round % order.length; k++) order.push(order.shift());
      for (const t of order) for (const r of await run([t], scenario)) results.push({ round, ...r });
    }
  }

  const med = (a) => {
    const s = a.filter((x) => x !== null && !Number.isNaN(x)).sort((x, y) => x - y);
    return s.length === 0
      ? null
      : s.length % 2
        ? s[(s.length - 1) / 2]
        : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const rows = [];
  for (const scenario of scenarios) {
    const d = results.filter((r) => r.scenario === scenario && r.target === 'direct');
    const first = results.filter((r) => r.scenario === scenario && r.target === proxies[0].label);
    for (const px of proxies) {
      const p = results.filter((r) => r.scenario === scenario && r.target === px.label);
      const sameRound = (set, x) => set.find((y) => y.round === x.round);
      rows.push({
        scenario,
        target: px.label,
        conc: p[0]?.conc,
        direct_rps: med(d.map((x) => x.rps)),
        proxy_rps: med(p.map((x) => x.rps)),
        ratio: med(p.map((x) => x.rps / (sameRound(d, x)?.rps ?? NaN))),
        direct_p50_ms: med(d.map((x) => x.p50)),
        proxy_p50_ms: med(p.map((x) => x.p50)),
        proxy_p99_ms: med(p.map((x) => x.p99)),
        proxy_cpu_us_per_req: med(p.map((x) => x.proxyCpuUs)),
        proxy_cpu_us_range: [
          Math.min(...p.map((x) => x.proxyCpuUs)),
          Math.max(...p.map((x) => x.proxyCpuUs)),
        ],
        // Same round, same time (with --parallel): this build's CPU per request over the first build's.
        proxy_sys_us_per_req: med(p.map((x) => x.proxySysUs)),
        cpu_vs_first: med(p.map((x) => x.proxyCpuUs / (sameRound(first, x)?.proxyCpuUs ?? NaN))),
        syscalls_per_req: med(p.map((x) => x.syscallsPerReq)),
        context_switches_per_req: med(p.map((x) => x.cswPerReq)),
        errors: [...d, ...p].reduce((a, x) => a + x.errors, 0),
      });
    }
  }
  const mem = proxies.map((p) => ({ label: p.label, ...statusKb(p.child.pid) }));
  const out = {
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    load: os.loadavg().map((l) => +l.toFixed(2)),
    repos,
    rounds,
    duration_s: durationMs / 1000,
    parallel,
    proxy_rss_mb: mem[0].VmRSS / 1024,
    proxy_hwm_mb: mem[0].VmHWM / 1024,
    memory: mem.map((m) => ({ label: m.label, rss_mb: m.VmRSS / 1024, hwm_mb: m.VmHWM / 1024 })),
    rows,
  };
  if (asJson) console.log(JSON.stringify(out));
  else printTable(out);
  for (const p of proxies) p.child.kill('SIGTERM'); // peers: their plugin's stop
  await Promise.all(
    proxies.map((p) => new Promise((r) => (p.child.exitCode !== null ? r() : p.child.once('exit', r)))),
  );
  upstream.kill('SIGTERM');
  clearTimeout(guard);
}

function printTable(o) {
  const f = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
  const multi = o.memory.length > 1;
  console.log(
    `zdr-egress quick bench: node ${o.node}, ${o.cpus} CPUs (${o.cpu}), load ${o.load.join(' ')}, ` +
      `${o.rounds} round(s) of ${o.duration_s} s${o.parallel ? ', builds measured at the same time' : ''}, medians`,
  );
  const perf = o.rows.some((r) => r.syscalls_per_req !== null);
  console.log(
    `| scenario |${multi ? ' build |' : ''} direct req/s | proxy req/s | ratio | direct p50 ms | proxy p50 ms | proxy p99 ms | ` +
      `proxy CPU µs/req [min..max] | of which kernel |${multi ? ' CPU vs first |' : ''}${perf ? ' syscalls/req | ctx switches/req |' : ''} errors |`,
  );
  console.log(
    `|---|${multi ? '---|' : ''}--:|--:|--:|--:|--:|--:|--:|--:|${multi ? '--:|' : ''}${perf ? '--:|--:|' : ''}--:|`,
  );
  for (const r of o.rows)
    console.log(
      `| ${r.scenario} (c=${r.conc}) |${multi ? ` ${r.target} |` : ''} ${f(r.direct_rps)} | ${f(r.proxy_rps)} | ×${f(r.ratio, 2)} | ` +
        `${f(r.direct_p50_ms, 3)} | ${f(r.proxy_p50_ms, 3)} | ${f(r.proxy_p99_ms, 2)} | ` +
        `${f(r.proxy_cpu_us_per_req)} [${f(r.proxy_cpu_us_range[0])}..${f(r.proxy_cpu_us_range[1])}] | ${f(r.proxy_sys_us_per_req)} |` +
        `${multi ? ` ×${f(r.cpu_vs_first, 2)} |` : ''}${perf ? ` ${f(r.syscalls_per_req, 1)} | ${f(r.context_switches_per_req, 1)} |` : ''} ${r.errors} |`,
    );
  for (const m of o.memory)
    console.log(`${m.label}: RSS at the end ${m.rss_mb.toFixed(1)} MB, peak ${m.hwm_mb.toFixed(1)} MB`);
}

/** perf stat on a running process: system calls and context switches until stop(). */
function startPerf(pid) {
  const p = spawn(
    'perf',
    ['stat', '-x', ',', '-e', 'raw_syscalls:sys_enter,context-switches', '-p', String(pid)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  p.stderr.setEncoding('utf8');
  p.stderr.on('data', (d) => (err += d));
  return {
    stop: () =>
      new Promise((resolve) => {
        p.once('exit', () => {
          const get = (name) =>
            Number(
              err
                .split('\n')
                .find((l) => l.includes(name))
                ?.split(',')[0],
            ) || NaN;
          resolve({ syscalls: get('raw_syscalls:sys_enter'), csw: get('context-switches') });
        });
        p.kill('SIGINT');
      }),
  };
}

/** perf record -g on a running process until stop(): where its CPU goes, native frames included. */
function startPerfRecord(target, scenario, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const name = `${(target.label ?? 'proxy').replace(/[^\w.-]+/g, '_')}.${scenario}.data`;
  const p = spawn(
    'perf',
    ['record', '-F', '1999', '-g', '-p', String(target.child.pid), '-o', path.join(dir, name)],
    { stdio: 'ignore' },
  );
  return {
    stop: () =>
      new Promise((resolve) => {
        p.once('exit', resolve);
        p.kill('SIGINT');
      }),
  };
}

function firstLine(stream, re, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}`)), timeoutMs);
    const onData = (d) => {
      buf += d;
      const m = re.exec(buf.split('\n').find((l) => re.test(l)) ?? '');
      if (m) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(m[1]);
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`process ended before ${re}: ${buf.slice(-500)}`)));
  });
}

function procCpuMs(pid, which = 'all') {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  const ticks =
    which === 'sys' ? Number(f[12]) : which === 'user' ? Number(f[11]) : Number(f[11]) + Number(f[12]);
  return (ticks * 1000) / CLK_TCK;
}

function statusKb(pid) {
  const out = {};
  for (const l of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(VmRSS|VmHWM):\s+(\d+)/.exec(l);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

// ---- child mode: the upstream -----------------------------------------------------------------------
function serveUpstream() {
  const dir = argv[1];
  const body = Buffer.from(
    JSON.stringify({
      id: 'msg_quick',
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: '' }],
    }),
  );
  // Pad to exactly 1024 bytes, like the peerbench upstream.
  const msg = Buffer.alloc(1024, 0x20);
  body.copy(msg);
  const server = https.createServer(
    {
      key: fs.readFileSync(path.join(dir, 'upstream.key')),
      cert: fs.readFileSync(path.join(dir, 'upstream.pem')),
      keepAliveTimeout: 65_000,
      noDelay: true,
    },
    (req, res) => {
      req.on('data', () => {});
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': msg.length });
        res.end(msg);
      });
    },
  );
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

if (argv[0] === '--serve-upstream') serveUpstream();
else await main();
