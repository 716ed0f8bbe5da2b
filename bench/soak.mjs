// Soak test (issue 8, "Load and soak"): zdr-egress as a child process under 1,000 concurrent
// keep-alive clients (intercepted, inspected POST /v1/chat/completions with an approved key) and 200
// concurrent SSE streams, for --minutes (default 10), against a local HTTPS fake upstream (its own
// child process). Every few seconds it samples the proxy's RSS (/proc/<pid>/status VmRSS) and open
// file descriptors (/proc/<pid>/fd). At the end it checks, and exits non-zero when one fails:
//   - errors: no failed request, wrong status or short SSE stream (none is expected);
//   - memory: RSS flat after warm-up (median of the last third of samples within 15% of the middle third);
//   - descriptors: back within a small margin of the pre-load baseline once the clients have closed.
//   node bench/soak.mjs [--minutes 10] [--clients 1000] [--streams 200] [--think-ms 2000]
//                       [--sample-s 5] [--fd-margin 16] [--rss-tolerance 0.15] [--repo DIR] [--json]
// Needs a build (`npm run build`) and openssl. Not part of `npm test`: run it as `npm run soak`.
// Every loop is bounded in count and time, and a wall-clock guard kills everything if the run
// overstays its length by more than three minutes.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { startNodeFlags } from './start-flags.mjs';
import { makeUpstreamPki } from './upstream-pki.mjs';

const HERE = import.meta.dirname;
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? dflt : argv[i + 1];
};

const KEY = 'sk-proj-soakAAAAAAAAAAAAAAAAAAAAAAAAT3BlbkFJsoakBBBBBBBBBBBBBBBBBBBBBBBB';
const SSE_EVENTS = 40;
const SSE_INTERVAL_MS = 100;
const REPLY = JSON.stringify({
  id: 'chatcmpl-soak',
  object: 'chat.completion',
  choices: [{ message: { content: 'ok' } }],
});

if (argv[0] === '--serve-upstream') serveUpstream(argv[1]);
else
  main().catch((err) => {
    console.error(`soak: ${err.stack ?? err}`);
    process.exit(2);
  });

/** The fake provider: JSON replies, or SSE_EVENTS events SSE_INTERVAL_MS apart when the body asks to stream. */
function serveUpstream(dir) {
  const served = { json: 0, sse: 0 };
  const server = https.createServer(
    {
      key: fs.readFileSync(path.join(dir, 'upstream.key')),
      cert: fs.readFileSync(path.join(dir, 'upstream.pem')),
      // Like a CDN front: no Keep-Alive hint and no idle close, so the proxy's own pool timeout (10 s) applies.
      keepAliveTimeout: 0,
    },
    (req, res) => {
      if (req.url === '/__count') {
        const text = JSON.stringify(served);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        return void res.end(text);
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (!body.includes('"stream":true')) {
          served.json++;
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(REPLY),
          });
          return void res.end(REPLY);
        }
        served.sse++;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        let n = 0;
        const timer = setInterval(() => {
          if (res.destroyed) return void clearInterval(timer);
          n++;
          if (n > SSE_EVENTS) {
            clearInterval(timer);
            return void res.end('data: [DONE]\n\n');
          }
          res.write(`data: {"n":${n},"delta":"token"}\n\n`);
        }, SSE_INTERVAL_MS);
        res.once('close', () => clearInterval(timer));
      });
    },
  );
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

async function main() {
  const repo = path.resolve(opt('repo', path.join(HERE, '..')));
  const minutes = Number(opt('minutes', 10));
  const nClients = Number(opt('clients', 1000));
  const nStreams = Number(opt('streams', 200));
  // Think time between a client's requests: uniform in [0.5, 1.5] x this. The longest gap (3 s at the
  // default) stays under undici's keep-alive (the proxy's 5 s hint less 1 s), so connections are reused.
  const thinkMs = Number(opt('think-ms', 2000));
  const sampleMs = Number(opt('sample-s', 5)) * 1000;
  const fdMargin = Number(opt('fd-margin', 16));
  const rssTolerance = Number(opt('rss-tolerance', 0.15));
  const asJson = argv.includes('--json');
  if (!(minutes > 0) || !(nClients >= 0) || !(nStreams >= 0))
    throw new Error('bad --minutes/--clients/--streams');
  const loadMs = minutes * 60_000;

  const cli = path.join(repo, 'dist', 'cli', 'index.js');
  if (!fs.existsSync(cli)) throw new Error(`no ${cli}: run npm run build first`);
  const require = createRequire(path.join(repo, 'package.json'));
  const { request, ProxyAgent } = require('undici');
  const dist = (p) => import(pathToFileURL(path.join(repo, 'dist', p)).href);
  const { addCredential } = await dist('policy/credentials-edit.js');
  const { fingerprint } = await dist('classify/index.js');

  // Descriptors: ours hold the client side and the upstream child the server side, so each needs a
  // few per connection; the proxy needs two per client connection (client, upstream) plus spares.
  const needFds = 3 * (nClients + nStreams) + 1024;
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
  if (Number.isFinite(limit) && limit < needFds) {
    throw new Error(
      `ulimit -n is ${limit}; this run needs about ${needFds}: raise it (ulimit -n ${needFds}) and retry`,
    );
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-soak-'));
  const children = [];
  const cleanup = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  const guard = setTimeout(() => {
    console.error('soak: wall-clock guard fired; killing everything');
    process.exit(3);
  }, loadMs + 180_000);
  guard.unref();

  // Upstream PKI (ECDSA P-256) for api.openai.com, trusted by the proxy through --upstream-ca.
  makeUpstreamPki(tmp, 'api.openai.com', 'zdr soak upstream CA');

  const upstream = spawn(process.execPath, [import.meta.filename, '--serve-upstream', tmp], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(upstream);
  const upstreamPort = Number(await firstLine(upstream.stdout, /^(\d+)$/, 10_000));

  // The shipped policy, with the soak key approved for OpenAI.
  const policies = path.join(tmp, 'policies');
  fs.cpSync(path.join(repo, 'policies'), policies, { recursive: true });
  const credFile = path.join(policies, 'credentials.yaml');
  const edited = addCredential(fs.readFileSync(credFile, 'utf8'), {
    provider: 'openai',
    fingerprint: fingerprint(KEY),
    label: 'soak key',
  });
  if (!edited.ok) throw new Error(`cannot approve the soak key: ${edited.message}`);
  fs.writeFileSync(credFile, edited.text);

  const proxyLog = path.join(tmp, 'proxy.stderr');
  const proxy = spawn(
    process.execPath,
    [
      ...startNodeFlags(repo),
      cli,
      'start',
      '--listen',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--policies',
      policies,
      '--certs',
      path.join(tmp, 'certs'),
      '--data',
      path.join(tmp, 'data'),
      '--upstream-ca',
      path.join(tmp, 'ca.pem'),
      '--resolve',
      `api.openai.com:443:127.0.0.1:${upstreamPort}`,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', fs.openSync(proxyLog, 'w')] },
  );
  children.push(proxy);
  const proxyUrl = await firstLine(proxy.stdout, /proxy (http:\/\/\S+)/, 60_000);
  proxy.stdout.resume();
  const proxyCa = fs.readFileSync(path.join(tmp, 'certs', 'ca.pem'));
  const pid = proxy.pid;
  const { Agent } = require('undici');
  const direct = new Agent({
    connect: { ca: fs.readFileSync(path.join(tmp, 'ca.pem')), servername: 'api.openai.com' },
  });
  const upstreamCount = async () => {
    const res = await request(`https://127.0.0.1:${upstreamPort}/__count`, { dispatcher: direct });
    return JSON.parse(await res.body.text());
  };
  let proxyExit = null;
  proxy.once('exit', (code, signal) => (proxyExit = { code, signal }));

  const stats = { ok: 0, sseOk: 0, sseEvents: 0, errors: new Map(), inflight: 0, races: 0, raceIdleMs: [] };
  const fail = (what) => stats.errors.set(what, (stats.errors.get(what) ?? 0) + 1);
  const agentOptions = { uri: proxyUrl, requestTls: { ca: proxyCa }, keepAliveTimeout: 60_000 };
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const body = JSON.stringify({
    model: 'gpt-4.1',
    messages: [{ role: 'user', content: 'Say ok. '.repeat(16) }],
  });
  const sseBody = JSON.stringify({
    model: 'gpt-4.1',
    stream: true,
    messages: [{ role: 'user', content: 'Count.' }],
  });
  const url = 'https://api.openai.com/v1/chat/completions';
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // Warm-up request, then the baseline: the proxy with its CA, policy and one pooled upstream socket.
  {
    const agent = new ProxyAgent(agentOptions);
    const res = await request(url, { method: 'POST', dispatcher: agent, headers, body });
    await res.body.text();
    await agent.close();
    if (res.statusCode !== 200) throw new Error(`warm-up request answered ${res.statusCode}`);
  }
  await sleep(2_000);
  const baseline = { rssKb: rssKb(pid), fds: fdCount(pid) };
  const servedBefore = await upstreamCount();
  const portNames = {
    [upstreamPort]: 'to upstream',
    [Number(new URL(proxyUrl).port)]: 'client',
  };
  const baselineKinds = fdKinds(pid, portNames);

  let running = true;
  const loadStart = performance.now();
  const deadline = loadStart + loadMs;
  // A client never makes more requests than it could at one per 10 ms: a hard bound on every loop.
  const maxIterations = Math.ceil(loadMs / 10) + 10;
  const perRequestTimeout = 30_000;

  async function keepAliveClient(i) {
    await sleep((i * 10_000) / Math.max(1, nClients)); // ramp up over 10 s
    const agent = new ProxyAgent(agentOptions);
    let lastDone = 0;
    try {
      for (let n = 0; n < maxIterations && running && performance.now() < deadline; n++) {
        stats.inflight++;
        const idle = lastDone === 0 ? 0 : performance.now() - lastDone;
        try {
          const send = () =>
            request(url, {
              method: 'POST',
              dispatcher: agent,
              headers,
              body,
              signal: timeoutSignal(perRequestTimeout),
            });
          let res;
          try {
            res = await send();
          } catch (err) {
            // The keep-alive race: the proxy closed a connection idle past its keep-alive timeout just
            // as this client reused it, before reading the request (RFC 9112 §9.3.1). A robust client
            // retries once on a new connection; the upstream count below proves nothing was sent twice.
            if (n === 0 || !['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes(err.code)) throw err;
            stats.races++;
            stats.raceIdleMs.push(Math.round(idle));
            res = await send();
          }
          const text = await res.body.text();
          if (res.statusCode === 200 && text === REPLY) stats.ok++;
          else fail(`keep-alive: HTTP ${res.statusCode} ${res.headers['x-zdr-egress-reason'] ?? ''}`.trim());
        } catch (err) {
          fail(`keep-alive: ${err.name === 'TimeoutError' ? 'timeout' : (err.code ?? err.name)}`);
        } finally {
          stats.inflight--;
        }
        lastDone = performance.now();
        await sleep((0.5 + Math.random()) * thinkMs);
      }
    } finally {
      await agent.close().catch(() => undefined);
    }
  }

  async function sseClient(i) {
    await sleep((i * 10_000) / Math.max(1, nStreams));
    const agent = new ProxyAgent(agentOptions);
    try {
      for (let n = 0; n < maxIterations && running && performance.now() < deadline; n++) {
        stats.inflight++;
        try {
          const res = await request(url, {
            method: 'POST',
            dispatcher: agent,
            headers,
            body: sseBody,
            signal: timeoutSignal(perRequestTimeout),
          });
          let events = 0;
          let done = false;
          let carry = '';
          for await (const chunk of res.body) {
            const text = carry + chunk.toString('utf8');
            const parts = text.split('\n\n');
            carry = parts.pop() ?? '';
            for (const p of parts) {
              if (p === 'data: [DONE]') done = true;
              else if (p.startsWith('data: {')) events++;
            }
          }
          stats.sseEvents += events;
          if (res.statusCode === 200 && done && events === SSE_EVENTS) stats.sseOk++;
          else fail(`sse: HTTP ${res.statusCode}, ${events} events, done=${done}`);
        } catch (err) {
          fail(`sse: ${err.name === 'TimeoutError' ? 'timeout' : (err.code ?? err.name)}`);
        } finally {
          stats.inflight--;
        }
      }
    } finally {
      await agent.close().catch(() => undefined);
    }
  }

  const samples = [];
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const cpu = { proxy: procCpuMs(pid), upstream: procCpuMs(upstream.pid), self: process.cpuUsage() };
  let last = { t: loadStart, ok: 0, sse: 0 };
  const sample = (phase) => {
    const t = performance.now();
    const s = {
      phase,
      t_s: Math.round((t - loadStart) / 1000),
      rss_mb: +(rssKb(pid) / 1024).toFixed(1),
      fds: fdCount(pid),
      req_per_s: Math.round(((stats.ok - last.ok) * 1000) / Math.max(1, t - last.t)),
      sse_events_per_s: Math.round(((stats.sseEvents - last.sse) * 1000) / Math.max(1, t - last.t)),
      inflight: stats.inflight,
      errors: [...stats.errors.values()].reduce((a, b) => a + b, 0),
      // CPU of each process over the interval, in % of one core; the load generator's own event-loop
      // delay (p99) shows when the clients, not the proxy, are the ones starved.
      proxy_cpu: pct(procCpuMs(pid) - cpu.proxy, t - last.t),
      upstream_cpu: pct(procCpuMs(upstream.pid) - cpu.upstream, t - last.t),
      clients_cpu: pct(cpuMs(process.cpuUsage(cpu.self)), t - last.t),
      clients_lag_p99_ms: Math.round(lag.percentile(99) / 1e6),
      loadavg: +os.loadavg()[0].toFixed(1),
    };
    cpu.proxy = procCpuMs(pid);
    cpu.upstream = procCpuMs(upstream.pid);
    cpu.self = process.cpuUsage();
    lag.reset();
    last = { t, ok: stats.ok, sse: stats.sseEvents };
    samples.push(s);
    if (!asJson) console.error(`soak ${JSON.stringify(s)}`);
  };
  const sampler = setInterval(() => sample('load'), sampleMs);
  const clients = [
    ...Array.from({ length: nClients }, (_, i) => keepAliveClient(i)),
    ...Array.from({ length: nStreams }, (_, i) => sseClient(i)),
  ];
  const stopTimer = setTimeout(() => (running = false), loadMs);
  // Clients finish their current exchange and close; bounded by the per-request timeout.
  await Promise.race([Promise.all(clients), sleep(loadMs + perRequestTimeout + 15_000)]);
  running = false;
  clearTimeout(stopTimer);
  clearInterval(sampler);
  const loadSecs = (performance.now() - loadStart) / 1000;

  // Descriptors drain: client sockets close at once; the proxy's pooled upstream sockets close
  // after undici's keep-alive timeout (the upstream's hint, at most 60 s). Poll for up to 75 s until
  // the count is back at the baseline (the check then allows fdMargin, for a pool still closing).
  let after = { rssKb: rssKb(pid), fds: fdCount(pid) };
  for (let i = 0; i < 75 && after.fds > baseline.fds; i++) {
    await sleep(1_000);
    after = { rssKb: rssKb(pid), fds: fdCount(pid) };
  }
  samples.push({
    phase: 'drained',
    t_s: Math.round((performance.now() - loadStart) / 1000),
    rss_mb: +(after.rssKb / 1024).toFixed(1),
    fds: after.fds,
    inflight: stats.inflight,
  });

  const afterKinds = fdKinds(pid, portNames);
  const servedAfter = await upstreamCount();
  await direct.close();
  const served = { json: servedAfter.json - servedBefore.json, sse: servedAfter.sse - servedBefore.sse };

  // Graceful stop: SIGTERM must end the proxy with exit code 0.
  const stopped = proxyExit ?? (proxy.kill('SIGTERM'), await waitExit(proxy, 30_000));
  upstream.kill('SIGTERM');

  const load = samples.filter((s) => s.phase === 'load');
  const third = Math.floor(load.length / 3);
  const middle = median(load.slice(third, 2 * third).map((s) => s.rss_mb));
  const lastThird = median(load.slice(2 * third).map((s) => s.rss_mb));
  const errorCount = [...stats.errors.values()].reduce((a, b) => a + b, 0);
  const checks = [
    { check: 'errors beyond the expected', value: errorCount, limit: 0, pass: errorCount === 0 },
    {
      // Every request the upstream served reached a client, and no retried race was served twice.
      check: 'upstream served = clients answered (JSON, SSE)',
      value: `${served.json} = ${stats.ok}, ${served.sse} = ${stats.sseOk}`,
      limit: 'equal',
      pass: served.json === stats.ok && served.sse === stats.sseOk,
    },
    {
      check: 'RSS last third vs middle third (median MiB)',
      value: `${lastThird} vs ${middle} (${(((lastThird - middle) / middle) * 100).toFixed(1)}%)`,
      limit: `<= +${rssTolerance * 100}%`,
      pass: third >= 1 && lastThird <= middle * (1 + rssTolerance),
    },
    {
      check: 'fds after clients closed vs baseline',
      value: `${after.fds} vs ${baseline.fds}`,
      limit: `<= baseline + ${fdMargin}`,
      pass: after.fds <= baseline.fds + fdMargin,
    },
    {
      check: 'proxy exit on SIGTERM',
      value: stopped === null ? 'did not exit' : `code ${stopped.code} signal ${stopped.signal}`,
      limit: 'code 0',
      pass: stopped !== null && stopped.code === 0,
    },
  ];
  const summary = {
    minutes,
    clients: nClients,
    streams: nStreams,
    think_ms: thinkMs,
    load_s: +loadSecs.toFixed(1),
    requests_ok: stats.ok,
    requests_per_s: Math.round(stats.ok / loadSecs),
    keep_alive_races_retried: stats.races,
    race_idle_ms_median: median(stats.raceIdleMs),
    sse_streams_ok: stats.sseOk,
    sse_events: stats.sseEvents,
    sse_events_per_s: Math.round(stats.sseEvents / loadSecs),
    baseline_rss_mb: +(baseline.rssKb / 1024).toFixed(1),
    baseline_fds: baseline.fds,
    peak_rss_mb: Math.max(...load.map((s) => s.rss_mb), 0),
    peak_fds: Math.max(...load.map((s) => s.fds), 0),
    proxy_cpu_median_pct: median(load.map((s) => s.proxy_cpu)),
    clients_cpu_median_pct: median(load.map((s) => s.clients_cpu)),
    upstream_cpu_median_pct: median(load.map((s) => s.upstream_cpu)),
    clients_lag_p99_max_ms: Math.max(...load.map((s) => s.clients_lag_p99_ms), 0),
    loadavg_median: median(load.map((s) => s.loadavg)),
    errors: Object.fromEntries(stats.errors),
    fds_baseline_by_kind: baselineKinds,
    fds_after_by_kind: afterKinds,
  };
  const pass = checks.every((c) => c.pass);
  if (asJson) {
    console.log(JSON.stringify({ pass, summary, checks, samples }, null, 2));
  } else {
    console.log('\nsamples');
    console.table(samples);
    console.log('summary');
    const { errors, fds_baseline_by_kind, fds_after_by_kind, ...rest } = summary;
    console.table(Object.entries(rest).map(([figure, value]) => ({ figure, value })));
    console.log(`errors: ${JSON.stringify(errors)}`);
    console.log(`fds at baseline by kind: ${JSON.stringify(fds_baseline_by_kind)}`);
    console.log(`fds after drain by kind: ${JSON.stringify(fds_after_by_kind)}`);
    console.log('checks');
    console.table(checks);
    console.log(pass ? 'soak: PASS' : 'soak: FAIL');
  }
  if (!pass) {
    const tail = fs.readFileSync(proxyLog, 'utf8').split('\n').slice(-20).join('\n');
    if (tail.trim() !== '') console.error(`proxy stderr (last lines):\n${tail}`);
  }
  process.exitCode = pass ? 0 : 1;
  clearTimeout(guard);
}

/** An abort signal that fires after `ms` with a TimeoutError, like AbortSignal.timeout. */
function timeoutSignal(ms) {
  const controller = new AbortController();
  const reason = new Error(`no answer within ${ms} ms`);
  reason.name = 'TimeoutError';
  setTimeout(() => controller.abort(reason), ms).unref();
  return controller.signal;
}

/** user + system CPU of a process, in ms, from /proc/<pid>/stat (all threads). */
function procCpuMs(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

const cpuMs = (u) => (u.user + u.system) / 1000;
const pct = (ms, wall) => Math.round((ms / Math.max(1, wall)) * 100);

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

function fdCount(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Open descriptors of `pid` by kind; TCP sockets named by the port at their far or near end. */
function fdKinds(pid, names) {
  const inodes = new Map();
  let other = 0;
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      let link = '';
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.set(m[1], true);
      else other++;
    }
  } catch {
    return {};
  }
  const kinds = { 'non-socket': other };
  const seen = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let rows = [];
    try {
      rows = fs.readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const row of rows) {
      const f = row.trim().split(/\s+/);
      const inode = f[9];
      if (inode === undefined || !inodes.has(inode) || seen.has(inode)) continue;
      seen.add(inode);
      const local = parseInt((f[1] ?? '').split(':')[1] ?? '0', 16);
      const remote = parseInt((f[2] ?? '').split(':')[1] ?? '0', 16);
      const name =
        f[3] === '0A'
          ? 'listening'
          : (names[remote] ?? (names[local] ? `${names[local]} (served)` : 'tcp other'));
      kinds[name] = (kinds[name] ?? 0) + 1;
    }
  }
  const sockets = inodes.size - seen.size;
  if (sockets > 0) kinds['other sockets'] = sockets;
  return kinds;
}

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function waitExit(child, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** The first capture of `re` in a child's stdout, or an error after `ms`. */
function firstLine(stream, re, ms) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms`)), ms);
    const onData = (chunk) => {
      buf += chunk.toString('utf8');
      const m = re.exec(buf.split('\n').find((l) => re.test(l)) ?? '');
      if (m) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(m[1]);
      }
    };
    stream.on('data', onData);
  });
}
