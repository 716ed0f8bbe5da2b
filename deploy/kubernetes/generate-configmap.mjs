// Writes policies-configmap.yaml, the ConfigMap `zdr-egress-policies`, from the repository's policies/
// folder, so that the cluster runs exactly the shipped policy files. It selects files as the proxy's
// loader does (src/policy/load.ts): every *.yaml / *.yml whose name does not start with a dot, flat.
//
//   node deploy/kubernetes/generate-configmap.mjs            rewrite policies-configmap.yaml
//   node deploy/kubernetes/generate-configmap.mjs --check    exit 1 when it is out of date
//   options: --policies DIR (default policies/), --out FILE, --stdout (print instead of writing)
//
// test/unit/deploy/configmap.test.ts runs --check, so a policy edit without a regenerated ConfigMap
// fails the tests.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Document } from 'yaml';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
export const DEFAULT_POLICIES = path.join(REPO, 'policies');
export const DEFAULT_OUT = path.join(HERE, 'policies-configmap.yaml');

/** The API server refuses a ConfigMap above 1 MiB (the etcd object limit). */
const MAX_BYTES = 1024 * 1024;
const KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/** The policy files of `dir` as the loader reads them: name-sorted, dotfiles and other files skipped. */
export function policyFiles(dir) {
  const names = readdirSync(dir)
    .filter((n) => !n.startsWith('.') && /\.ya?ml$/.test(n))
    .sort();
  const files = [];
  for (const name of names) {
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) continue;
    if (!KEY.test(name)) {
      throw new Error(
        `${file}: a ConfigMap key may hold only letters, digits, '-', '_' and '.'; rename the file`,
      );
    }
    files.push({ name, text: readFileSync(file, 'utf8') });
  }
  if (files.length === 0)
    throw new Error(`${dir}: no policy files (*.yaml); nothing to put in the ConfigMap`);
  return files;
}

/** The ConfigMap manifest, as committed in deploy/kubernetes/policies-configmap.yaml. */
export function renderConfigMap(dir) {
  const data = {};
  for (const f of policyFiles(dir)) data[f.name] = f.text;
  const doc = new Document({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'zdr-egress-policies',
      namespace: 'zdr-egress',
      labels: { 'app.kubernetes.io/name': 'zdr-egress' },
    },
    data,
  });
  doc.commentBefore = [
    ' GENERATED from policies/ by deploy/kubernetes/generate-configmap.mjs: do not edit by hand.',
    ' Regenerate after a policy change: node deploy/kubernetes/generate-configmap.mjs',
    ' Check first: zdr-egress policy check policies (a bad policy makes every pod unready on reload).',
    ' Mounted at /app/policies without subPath; the proxy reloads it when the kubelet swaps `..data`.',
  ].join('\n');
  const text = doc.toString({ lineWidth: 0, blockQuote: 'literal' });
  if (Buffer.byteLength(text) > MAX_BYTES) {
    throw new Error(
      `the ConfigMap would be ${Buffer.byteLength(text)} bytes; Kubernetes allows at most ${MAX_BYTES}`,
    );
  }
  return text;
}

function parseArgs(argv) {
  const opts = { policies: DEFAULT_POLICIES, out: DEFAULT_OUT, check: false, stdout: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') opts.check = true;
    else if (a === '--stdout') opts.stdout = true;
    else if ((a === '--policies' || a === '--out') && argv[i + 1] !== undefined)
      opts[a.slice(2)] = path.resolve(argv[++i]);
    else
      throw new Error(
        `unknown argument ${a}; usage: generate-configmap.mjs [--check] [--stdout] [--policies DIR] [--out FILE]`,
      );
  }
  return opts;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const text = renderConfigMap(opts.policies);
  if (opts.stdout) {
    process.stdout.write(text);
    return;
  }
  const relative = path.relative(process.cwd(), opts.out);
  const rel = relative === '' || relative.startsWith('..') ? opts.out : relative;
  if (opts.check) {
    let current = null;
    try {
      current = readFileSync(opts.out, 'utf8');
    } catch {
      // missing counts as out of date
    }
    if (current !== text) {
      process.stderr.write(
        `${rel} is out of date with ${opts.policies}; run: node deploy/kubernetes/generate-configmap.mjs\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${rel} is up to date\n`);
    return;
  }
  writeFileSync(opts.out, text);
  process.stdout.write(`wrote ${rel}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`generate-configmap: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
