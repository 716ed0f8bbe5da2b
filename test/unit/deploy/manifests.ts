// Reads deploy/kubernetes/ as the tests see it: every manifest document with its file, plus typed
// accessors for the parts the tests check. The manifests are YAML that kubectl reads as YAML 1.1; the
// documents here are parsed both ways and must agree (an octal 0440 would not).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEPLOY_DIR = path.join(REPO, 'deploy', 'kubernetes');

/** A parsed YAML mapping; the tests narrow what they read. */
export type Obj = Record<string, unknown>;

export interface Manifest {
  readonly file: string;
  readonly doc: Obj;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj.a.b.c`, failing the test with the path when a step is missing or not a mapping. */
export function at(obj: unknown, ...keys: string[]): unknown {
  let cur: unknown = obj;
  for (const [i, k] of keys.entries()) {
    if (!isObj(cur)) throw new Error(`${keys.slice(0, i).join('.') || '(root)'} is not a mapping`);
    cur = cur[k];
  }
  return cur;
}

export function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new Error(`${what} must be a mapping`);
  return v;
}

export function list(v: unknown, what: string): Obj[] {
  if (!Array.isArray(v)) throw new Error(`${what} must be a list`);
  return v.map((e, i) => obj(e, `${what}[${i}]`));
}

export function parseManifestText(file: string, text: string): Obj[] {
  const docs12 = parseAllDocuments(text);
  const docs11 = parseAllDocuments(text, { version: '1.1' });
  const out: Obj[] = [];
  for (const [i, d] of docs12.entries()) {
    if (d.errors.length > 0) throw new Error(`${file}: YAML errors in document ${i + 1}`);
    const js: unknown = d.toJS();
    if (js === null || js === undefined) continue; // comment-only document
    const js11: unknown = docs11[i]?.toJS();
    if (JSON.stringify(js) !== JSON.stringify(js11)) {
      throw new Error(`${file}: document ${i + 1} reads differently as YAML 1.1 (kubectl) and 1.2`);
    }
    out.push(obj(js, `${file} document ${i + 1}`));
  }
  return out;
}

export function yamlFiles(): string[] {
  return fs
    .readdirSync(DEPLOY_DIR)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort();
}

export const isTemplate = (name: string): boolean => name.endsWith('.template.yaml');

export function loadManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of yamlFiles()) {
    if (file === 'kustomization.yaml') continue;
    const text = fs.readFileSync(path.join(DEPLOY_DIR, file), 'utf8');
    for (const doc of parseManifestText(file, text)) out.push({ file, doc });
  }
  return out;
}

export function readDeployText(file: string): string {
  return fs.readFileSync(path.join(DEPLOY_DIR, file), 'utf8');
}

/** The one manifest of `kind` (templates excluded unless asked), by name when several exist. */
export function one(all: readonly Manifest[], kind: string, name?: string): Obj {
  const found = all.filter(
    (m) => m.doc.kind === kind && (name === undefined || at(m.doc, 'metadata', 'name') === name),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return (found[0] as Manifest).doc;
}

export function labelsMatch(selector: unknown, labels: unknown): boolean {
  if (!isObj(selector) || !isObj(labels) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The Deployment and the parts of its pod template the tests read. */
export function podParts(live: readonly Manifest[]): {
  deployment: Obj;
  pod: Obj;
  podLabels: unknown;
  containers: Obj[];
  initContainers: Obj[];
  proxy: Obj;
  volumes: Obj[];
} {
  const deployment = one(live, 'Deployment');
  const template = obj(at(deployment, 'spec', 'template'), 'pod template');
  const pod = obj(template.spec, 'pod spec');
  const containers = list(pod.containers, 'containers');
  return {
    deployment,
    pod,
    podLabels: at(template, 'metadata', 'labels'),
    containers,
    initContainers: list(pod.initContainers ?? [], 'initContainers'),
    proxy: containers.find((c) => c.name === 'zdr-egress') ?? obj(undefined, 'container zdr-egress'),
    volumes: list(pod.volumes, 'volumes'),
  };
}

/** A container port by number or by name. */
export function containerPort(c: Obj, port: unknown): number {
  if (typeof port === 'number') return port;
  const named = list(c.ports, 'ports').find((p) => p.name === port);
  if (!named) throw new Error(`no container port named ${String(port)}`);
  return named.containerPort as number;
}

export function envOf(c: Obj): Map<string, Obj> {
  return new Map(list(c.env ?? [], 'env').map((e) => [String(e.name), e]));
}

export function mount(c: Obj, volume: string): Obj | undefined {
  return list(c.volumeMounts ?? [], 'volumeMounts').find((m) => m.name === volume);
}
