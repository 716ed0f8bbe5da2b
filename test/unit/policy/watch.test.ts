import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPolicyDir, watchPolicyDir, type PolicyLoadResult } from '../../../src/policy/load.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

const settings = (mode: string) => `version: 1\nsettings:\n  mode: ${mode}\n`;

/** Polls (bounded) until a result matching `pred` arrives. */
async function waitFor(
  results: PolicyLoadResult[],
  pred: (r: PolicyLoadResult) => boolean,
): Promise<PolicyLoadResult> {
  for (let i = 0; i < 100; i++) {
    const hit = results.find(pred);
    if (hit !== undefined) return hit;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `no matching reload; got ${JSON.stringify(results.map((r) => (r.ok ? r.policy.mode : r.errors)))}`,
  );
}

function watch(dir: string): PolicyLoadResult[] {
  const results: PolicyLoadResult[] = [];
  const w = watchPolicyDir(dir, {}, (r) => results.push(r));
  closers.push(() => w.close());
  return results;
}

describe('watchPolicyDir', () => {
  it('reports a new version after an edit in place', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-watch-'));
    fs.writeFileSync(path.join(dir, 'policy.yaml'), settings('enforce'));
    const first = loadPolicyDir(dir);
    const results = watch(dir);
    fs.writeFileSync(path.join(dir, 'policy.yaml'), settings('report'));
    const r = await waitFor(results, (x) => x.ok && x.policy.mode === 'report');
    expect(r.ok && first.ok && r.policy.version !== first.policy.version).toBe(true);
  });

  it('reports errors for a broken edit, again for another broken edit, then recovers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-watch-'));
    fs.writeFileSync(path.join(dir, 'policy.yaml'), settings('enforce'));
    const results = watch(dir);
    fs.writeFileSync(path.join(dir, 'policy.yaml'), settings('enforse'));
    await waitFor(results, (x) => !x.ok && x.errors.some((e) => e.message.includes('enforse')));
    fs.writeFileSync(path.join(dir, 'policy.yaml'), settings('reprot'));
    await waitFor(results, (x) => !x.ok && x.errors.some((e) => e.message.includes('reprot')));
    fs.writeFileSync(path.join(dir, 'policy.yaml'), settings('report'));
    await waitFor(results, (x) => x.ok && x.policy.mode === 'report');
  });

  it('picks up a new file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-watch-'));
    fs.writeFileSync(path.join(dir, 'policy.yaml'), 'version: 1\n');
    const results = watch(dir);
    fs.writeFileSync(path.join(dir, 'more.yaml'), settings('report'));
    await waitFor(results, (x) => x.ok && x.policy.mode === 'report');
  });

  it('follows the Kubernetes ConfigMap swap of ..data to a new timestamped folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-watch-k8s-'));
    // The kubelet layout: ..2026_01 holds the files, ..data -> ..2026_01, policy.yaml -> ..data/policy.yaml
    fs.mkdirSync(path.join(dir, '..2026_01'));
    fs.writeFileSync(path.join(dir, '..2026_01', 'policy.yaml'), settings('enforce'));
    fs.symlinkSync('..2026_01', path.join(dir, '..data'));
    fs.symlinkSync(path.join('..data', 'policy.yaml'), path.join(dir, 'policy.yaml'));
    const first = loadPolicyDir(dir);
    expect(first.ok && first.policy.mode).toBe('enforce');
    const results = watch(dir);
    // Update: write a new timestamped folder, point a temp symlink at it, rename it over ..data.
    fs.mkdirSync(path.join(dir, '..2026_02'));
    fs.writeFileSync(path.join(dir, '..2026_02', 'policy.yaml'), settings('report'));
    fs.symlinkSync('..2026_02', path.join(dir, '..data_tmp'));
    fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    fs.rmSync(path.join(dir, '..2026_01'), { recursive: true });
    await waitFor(results, (x) => x.ok && x.policy.mode === 'report');
  });

  it('stops reporting after close', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-watch-'));
    fs.writeFileSync(path.join(dir, 'policy.yaml'), settings('enforce'));
    const results: PolicyLoadResult[] = [];
    const w = watchPolicyDir(dir, {}, (r) => results.push(r));
    w.close();
    fs.writeFileSync(path.join(dir, 'policy.yaml'), settings('report'));
    await new Promise((r) => setTimeout(r, 300));
    expect(results).toEqual([]);
  });
});
