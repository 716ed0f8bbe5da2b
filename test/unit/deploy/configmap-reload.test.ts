// Hot reload of a policy ConfigMap mounted as a volume. The kubelet's AtomicWriter never edits a file
// in place: it writes a new `..<timestamp>` folder, points a `..data_tmp` symlink at it, renames that
// over `..data` (the atomic step), then adds symlinks for new keys, removes those of deleted keys and
// deletes the old folder. The files the proxy sees are symlinks `name.yaml -> ..data/name.yaml`.
// This reproduces that sequence on a real folder and checks that the policy watcher follows it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPolicyDir, watchPolicyDir, type PolicyLoadResult } from '../../../src/policy/load.js';
import { at, obj, parseManifestText, readDeployText } from './manifests.js';

type Files = Record<string, string>;

/** A ConfigMap volume as the kubelet lays it out, updated the way the kubelet updates it. */
class ConfigMapVolume {
  private generation = 0;
  private current: string | null = null;
  private keys: string[] = [];

  constructor(readonly dir: string) {}

  write(files: Files): void {
    const stamp = `..2026_11_26_12_00_${String(this.generation++).padStart(2, '0')}.${process.pid}`;
    fs.mkdirSync(path.join(this.dir, stamp));
    for (const [name, text] of Object.entries(files))
      fs.writeFileSync(path.join(this.dir, stamp, name), text, { mode: 0o644 });
    fs.symlinkSync(stamp, path.join(this.dir, '..data_tmp'));
    fs.renameSync(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'));
    const next = Object.keys(files);
    for (const k of next.filter((k) => !this.keys.includes(k)))
      fs.symlinkSync(path.join('..data', k), path.join(this.dir, k));
    for (const k of this.keys.filter((k) => !next.includes(k))) fs.unlinkSync(path.join(this.dir, k));
    if (this.current !== null) fs.rmSync(path.join(this.dir, this.current), { recursive: true });
    this.current = stamp;
    this.keys = next;
  }
}

/** The shipped policy, as the committed ConfigMap carries it. */
function shippedFiles(): Files {
  const [doc] = parseManifestText('policies-configmap.yaml', readDeployText('policies-configmap.yaml'));
  return { ...(obj(at(doc, 'data'), 'data') as Files) };
}

const temps: string[] = [];
const closers: (() => void)[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-cm-reload-'));
  temps.push(d);
  return d;
}
afterEach(() => {
  for (const c of closers.splice(0)) c();
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The version a plain folder with the same files compiles to. */
function versionOf(files: Files): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const r = loadPolicyDir(dir);
  if (!r.ok) throw new Error(`fixture does not compile: ${JSON.stringify(r.errors)}`);
  return r.policy.version;
}

/** Watches `dir` and hands out the watcher's reports one by one. */
function watch(dir: string): () => Promise<PolicyLoadResult> {
  const queue: PolicyLoadResult[] = [];
  const waiting: ((r: PolicyLoadResult) => void)[] = [];
  const w = watchPolicyDir(dir, {}, (r) => {
    const next = waiting.shift();
    if (next) next(r);
    else queue.push(r);
  });
  closers.push(() => w.close());
  return () => {
    const ready = queue.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error('the watcher reported nothing within 10 s')), 10_000);
      waiting.push((r) => {
        clearTimeout(guard);
        resolve(r);
      });
    });
  };
}

const versionIn = (r: PolicyLoadResult): string =>
  r.ok ? r.policy.version : `errors: ${JSON.stringify(r.errors)}`;

describe('policy ConfigMap hot reload (kubelet atomic ..data swap)', () => {
  it('loads the policy through the ..data symlinks, as from a plain folder', () => {
    const files = shippedFiles();
    const volume = new ConfigMapVolume(tempDir());
    volume.write(files);
    expect(fs.lstatSync(path.join(volume.dir, 'policy.yaml')).isSymbolicLink()).toBe(true);
    const r = loadPolicyDir(volume.dir);
    expect(versionIn(r)).toBe(versionOf(files));
  });

  it('reloads when the kubelet swaps ..data to an edited policy', async () => {
    const files = shippedFiles();
    const volume = new ConfigMapVolume(tempDir());
    volume.write(files);
    const next = watch(volume.dir);
    const edited = {
      ...files,
      'policy.yaml': `${files['policy.yaml'] ?? ''}# edited through the ConfigMap\n`,
    };
    volume.write(edited);
    expect(versionIn(await next())).toBe(versionOf(edited));
  });

  it('picks up a key added to the ConfigMap and forgets a removed one', async () => {
    const files = shippedFiles();
    const volume = new ConfigMapVolume(tempDir());
    volume.write(files);
    const next = watch(volume.dir);
    const added = { ...files, 'zz-extra.yaml': 'version: 1\n' };
    volume.write(added);
    expect(versionIn(await next())).toBe(versionOf(added));
    volume.write(files);
    expect(versionIn(await next())).toBe(versionOf(files));
    expect(fs.existsSync(path.join(volume.dir, 'zz-extra.yaml'))).toBe(false);
  });

  it('reports a broken update, then recovers with the next good one', async () => {
    const files = shippedFiles();
    const volume = new ConfigMapVolume(tempDir());
    volume.write(files);
    const next = watch(volume.dir);
    volume.write({ ...files, 'policy.yaml': 'version: 1\nsettings: [unclosed\n' });
    const broken = await next();
    expect(broken.ok).toBe(false);
    expect(broken.ok ? [] : broken.errors.map((e) => path.basename(e.file))).toContain('policy.yaml');
    volume.write(files);
    expect(versionIn(await next())).toBe(versionOf(files));
  });
});
