// Leaf minting and TLS handshake cost of src/ca/ (built into dist/ by `npm run build`).
//   node bench/leaf-mint.mjs [mints=200] [handshakes=300]
// 1. Median time to mint an ECDSA P-256 leaf signed by an RSA-3072 root (what a cache miss costs),
//    with its parts: key generation, RSA signature, SecureContext creation.
// 2. Server CPU per TLS 1.3 handshake with a cached SecureContext, full and resumed; the client runs in a
//    child process so that only the server's work is counted (process.cpuUsage of this process).

import { fork } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p95: at(0.95), min: s[0] };
}

function timeEach(n, fn) {
  for (let i = 0; i < Math.min(20, n); i++) fn(i); // warm-up
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return stats(out);
}

const fmt = (s, unit = 'ms') =>
  `median ${s.median.toFixed(3)} ${unit}, p95 ${s.p95.toFixed(3)} ${unit}, min ${s.min.toFixed(3)} ${unit}`;

async function main() {
  const mints = Number(process.argv[2] ?? 200);
  const handshakes = Number(process.argv[3] ?? 300);
  const { initCa } = await import('../dist/ca/authority.js');
  const { createLeafMinter } = await import('../dist/ca/leaf.js');
  const { LeafCache } = await import('../dist/ca/cache.js');
  const dir = mkdtempSync(join(tmpdir(), 'zdr-bench-ca-'));
  try {
    const t0 = process.hrtime.bigint();
    const ca = initCa(dir);
    console.log(
      `node ${process.version}; ca init (RSA 3072 keygen + self-signature): ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`,
    );
    const caKey = createPrivateKey(readFileSync(join(dir, 'ca.key')));
    const mint = createLeafMinter(ca);
    const mintRsa = createLeafMinter(ca, { keyType: 'rsa' });
    const tbsLike = Buffer.alloc(420, 7);

    console.log(`\nleaf mint, ${mints} hosts (distinct names)`);
    console.log(
      `  ECDSA P-256 leaf, RSA-3072 CA:      ${fmt(timeEach(mints, (i) => mint(`h${i}.example.com`)))}`,
    );
    console.log(
      `    of which P-256 key generation:   ${fmt(timeEach(mints, () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })))}`,
    );
    console.log(
      `    of which RSA-3072 signature:     ${fmt(timeEach(mints, () => sign('sha256', tbsLike, caKey)))}`,
    );
    const ecCaKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    console.log(
      `    (a P-256 intermediate instead:   ${fmt(timeEach(mints, () => sign('sha256', tbsLike, ecCaKey)))})`,
    );
    const leaf = mint('api.openai.com');
    console.log(
      `  + tls.createSecureContext:         ${fmt(timeEach(mints, () => tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem })))}`,
    );
    console.log(
      `  RSA-2048 leaf (keyType 'rsa'):     ${fmt(timeEach(Math.min(mints, 40), (i) => mintRsa(`r${i}.example.com`)))}`,
    );

    const cache = new LeafCache({
      max: 1000,
      mint,
      build: (l) => tls.createSecureContext({ key: l.keyPem, cert: l.certPem + l.chainPem.join('') }),
    });
    console.log(
      `  cache hit (LeafCache.get):         ${fmt(
        timeEach(10_000, () => cache.get('api.openai.com')),
        'ms',
      )}`,
    );

    // Handshakes: the server answers every SNI from the cache; the client is another process.
    const rsaCache = new LeafCache({
      max: 10,
      mint: mintRsa,
      build: (l) => tls.createSecureContext({ key: l.keyPem, cert: l.certPem }),
    });
    const contextFor = (name) => (name.startsWith('rsa.') ? rsaCache : cache).get(name);
    const server = tls.createServer({ SNICallback: (name, cb) => cb(null, contextFor(name)) }, (s) =>
      s.end('x'),
    );
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const port = server.address().port;
    const runs = [
      ['api.openai.com', false, 'full (ECDHE + ECDSA P-256 leaf)'],
      ['api.openai.com', true, 'resumed (session ticket, psk_dhe_ke)'],
      ['rsa.example.com', false, 'full, RSA-2048 leaf for comparison'],
    ];
    for (const [servername, resume, label] of runs) {
      contextFor(servername);
      const child = fork(
        new URL(import.meta.url),
        ['client', String(port), String(handshakes), String(resume), servername],
        {
          env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        },
      );
      child.send(ca.certPem);
      let before;
      const result = await new Promise((resolve, reject) => {
        child.on('message', (m) => {
          if (m === 'start') before = process.cpuUsage();
          else resolve({ cpu: process.cpuUsage(before), ...m });
        });
        child.on('error', reject);
      });
      const cpuUs = (result.cpu.user + result.cpu.system) / result.count;
      console.log(
        `\nTLS 1.3 handshake, ${label}, cached SecureContext, ${result.count} sequential connections`,
      );
      console.log(
        `  server CPU per handshake: ${cpuUs.toFixed(0)} µs (user ${(result.cpu.user / result.count).toFixed(0)}, system ${(result.cpu.system / result.count).toFixed(0)}); resumed ${result.resumed}/${result.count}`,
      );
      await new Promise((r) => child.on('exit', r));
    }
    server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function client() {
  const [, , , portText, countText, resumeText, servername] = process.argv;
  const port = Number(portText);
  const count = Number(countText);
  const resume = resumeText === 'true';
  const ca = await new Promise((r) => process.once('message', r));
  let session;
  let resumed = 0;
  const once = () =>
    new Promise((resolve, reject) => {
      const s = tls.connect({
        host: '127.0.0.1',
        port,
        servername,
        ca,
        ...(resume && session ? { session } : {}),
      });
      s.on('session', (sess) => (session = sess));
      s.on('secureConnect', () => {
        if (s.isSessionReused()) resumed++;
      });
      s.on('error', reject);
      s.on('close', resolve);
      s.on('data', () => s.end()); // a clean close after the ticket arrived keeps the session resumable
    });
  for (let i = 0; i < 20; i++) await once(); // warm-up, and a ticket for the resumed run
  resumed = 0;
  process.send('start');
  for (let i = 0; i < count; i++) await once();
  process.send({ count, resumed });
  process.disconnect();
}

if (process.argv[2] === 'client') await client();
else await main();
