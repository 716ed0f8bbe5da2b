// Summarises V8 .cpuprofile files (from `node --cpu-prof`): self and inclusive time by function, and
// self time by module (a package of node_modules, a dist/ file, node: internals, native).
//   node bench/cpuprofile-summary.mjs FILE.cpuprofile... [--top 30] [--requests N] [--skip-ms MS] [--md]
// Several files (say the main thread and the decision-log worker) are reported one after the other.
// --requests N adds µs per request (the number of requests served while the profile ran).
// --callers NAME prints the stacks (up to 8 frames) under which NAME spends its self time, heaviest first.
// --under NAME: self time by function, counting only samples whose stack contains NAME.
// --skip-ms MS leaves out the first MS milliseconds of samples (start-up: module loading, policy compile).
// Idle time ("(idle)") is left out of every percentage: they are shares of the CPU actually used.

import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const TOP = Number(opt('top', 30));
const REQUESTS = Number(opt('requests', 0));
const SKIP_MS = Number(opt('skip-ms', 0));
const MD = args.includes('--md');
const CALLERS = opt('callers', null); // a function name: print the call chains that lead to it
const UNDER = opt('under', null); // a function name: self time of what runs beneath it
const files = args.filter(
  (a, i) =>
    !a.startsWith('--') &&
    !['--top', '--requests', '--skip-ms', '--callers', '--under'].includes(args[i - 1]),
);
if (files.length === 0) {
  console.error(
    'usage: node bench/cpuprofile-summary.mjs FILE.cpuprofile... [--top N] [--requests N] [--md]',
  );
  process.exit(2);
}

/** Where a function lives, short: "undici lib/dispatcher/client-h1.js", "dist/proxy/pipeline.js", "node:_http_server". */
function shortUrl(url) {
  if (url === '') return '';
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm !== -1) return u.slice(nm + '/node_modules/'.length);
  const dist = u.lastIndexOf('/dist/');
  if (dist !== -1) return u.slice(dist + 1);
  if (u.startsWith('node:')) return u;
  return path.basename(u);
}

/** Coarse owner of a function, for the by-module table. */
function moduleOf(fn, url) {
  if (url === '') return fn.startsWith('(') ? fn : '(native: V8 builtins, C++ bindings)';
  const s = shortUrl(url);
  if (s.startsWith('node:'))
    return `node:${s
      .slice(5)
      .split('/')[0]
      .replace(/^internal$/, 'internal/' + (s.split('/')[1] ?? ''))}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (s.startsWith('dist/')) return s.split('/').slice(0, 2).join('/');
  return s;
}

function summarise(file) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map();
  const parent = new Map();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const key = (n) => {
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    return cf.url === '' ? name : `${name}  ${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
  };
  const self = new Map();
  const incl = new Map();
  const mods = new Map();
  const chains = new Map();
  const under = new Map();
  let underTotal = 0;
  let total = 0;
  let idle = 0;
  let t = 0;
  // timeDeltas[i] is the time before samples[i]; attribute it to samples[i] (what Chrome does).
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (t < SKIP_MS * 1000) continue;
    const n = byId.get(p.samples[i]);
    if (n === undefined) continue;
    const fn = n.callFrame.functionName;
    if (fn === '(idle)') {
      idle += dt;
      continue;
    }
    total += dt;
    const k = key(n);
    self.set(k, (self.get(k) ?? 0) + dt);
    const m = moduleOf(fn, n.callFrame.url);
    mods.set(m, (mods.get(m) ?? 0) + dt);
    if (CALLERS !== null && fn === CALLERS) {
      const frames = [];
      for (let id = parent.get(n.id); id !== undefined && frames.length < 8; id = parent.get(id)) {
        const pn = byId.get(id);
        if (pn.callFrame.functionName !== '(root)') frames.push(key(pn));
      }
      const c = frames.join('\n      <- ');
      chains.set(c, (chains.get(c) ?? 0) + dt);
    }
    const seen = new Set();
    let inUnder = false;
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const pn = byId.get(id);
      if (UNDER !== null && pn.callFrame.functionName === UNDER) inUnder = true;
      const kk = key(pn);
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + dt);
    }
    if (inUnder) {
      underTotal += dt;
      under.set(k, (under.get(k) ?? 0) + dt);
    }
  }
  incl.delete('(root)');
  return {
    file,
    total,
    idle,
    wall: p.endTime - p.startTime - SKIP_MS * 1000,
    self,
    incl,
    mods,
    chains,
    under,
    underTotal,
  };
}

const ms = (us) => (us / 1000).toFixed(1);
const pct = (x, t) => ((100 * x) / t).toFixed(1);
function table(title, map, total, n) {
  const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  const perReq = REQUESTS > 0;
  console.log(`\n${title}`);
  if (MD) {
    console.log(`| % | ms |${perReq ? ' µs/req |' : ''} function |`);
    console.log(`|--:|--:|${perReq ? '--:|' : ''}---|`);
    for (const [k, v] of rows)
      console.log(
        `| ${pct(v, total)} | ${ms(v)} |${perReq ? ` ${(v / REQUESTS).toFixed(1)} |` : ''} \`${k.replace(/\|/g, '\\|')}\` |`,
      );
  } else {
    for (const [k, v] of rows)
      console.log(
        `${pct(v, total).padStart(6)}% ${ms(v).padStart(9)} ms${perReq ? `${(v / REQUESTS).toFixed(1).padStart(8)} µs/req` : ''}  ${k}`,
      );
  }
}

for (const f of files) {
  const s = summarise(f);
  console.log(
    `== ${path.basename(s.file)}: ${ms(s.total)} ms on CPU, ${ms(s.idle)} ms idle, ${ms(s.wall)} ms profiled` +
      (REQUESTS > 0
        ? `; ${(s.total / REQUESTS).toFixed(1)} µs on CPU per request (${REQUESTS} requests)`
        : ''),
  );
  table(`self time by module (% of CPU used)`, s.mods, s.total, 20);
  table(`self time by function, top ${TOP}`, s.self, s.total, TOP);
  table(`inclusive time by function, top ${TOP}`, s.incl, s.total, TOP);
  if (UNDER !== null)
    table(
      `self time under ${UNDER} (${ms(s.underTotal)} ms in all; % of all CPU used)`,
      s.under,
      s.total,
      TOP,
    );
  if (CALLERS !== null) {
    console.log(`\ncallers of ${CALLERS} (self time under each stack):`);
    for (const [c, v] of [...s.chains.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8))
      console.log(`${pct(v, s.total).padStart(6)}% ${ms(v).padStart(9)} ms  ${c}`);
  }
}
