// The policies ConfigMap is generated from policies/ by deploy/kubernetes/generate-configmap.mjs;
// these tests keep the committed copy in step and prove the generator is exact.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPolicyDir, readPolicySources } from '../../../src/policy/load.js';
import { at, DEPLOY_DIR, obj, parseManifestText, readDeployText, REPO } from './manifests.js';

const GENERATOR = path.join(DEPLOY_DIR, 'generate-configmap.mjs');
const POLICIES = path.join(REPO, 'policies');

function generate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [GENERATOR, ...args], { cwd: REPO, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const temps: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-configmap-'));
  temps.push(d);
  return d;
}
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function committedData(): Record<string, string> {
  const [doc] = parseManifestText('policies-configmap.yaml', readDeployText('policies-configmap.yaml'));
  return obj(at(doc, 'data'), 'data') as Record<string, string>;
}

describe('policies ConfigMap', () => {
  it('is up to date with policies/ (else run: node deploy/kubernetes/generate-configmap.mjs)', () => {
    const r = generate('--check');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('holds exactly the files the policy loader reads, byte for byte', () => {
    const read = readPolicySources(POLICIES);
    if (!read.ok) throw new Error(`policies/ cannot be read: ${JSON.stringify(read.errors)}`);
    const expected = Object.fromEntries(read.sources.map((s) => [s.name, s.text]));
    expect(committedData()).toEqual(expected);
  });

  it('compiles as a policy when mounted as a folder', () => {
    const dir = tempDir();
    for (const [name, text] of Object.entries(committedData())) fs.writeFileSync(path.join(dir, name), text);
    const r = loadPolicyDir(dir);
    expect(r.ok ? [] : r.errors).toEqual([]);
  });
});

describe('generate-configmap.mjs', () => {
  it('round-trips awkward texts exactly, as YAML 1.2 and as YAML 1.1 (kubectl)', () => {
    const dir = tempDir();
    const texts: Record<string, string> = {
      'a.yaml': 'version: 1\n',
      'b.yml': '  leading spaces\nno trailing newline',
      'c.yaml': 'trailing spaces   \n\ttab\n\n\n',
      'd.yaml': '---\nkey: "quoted # not a comment"\n...\n',
      'e.yaml': 'unicode: café ✓ \u00a0nbsp\nyes: no\nport: 0440\n',
      'f.yaml': '',
    };
    for (const [name, text] of Object.entries(texts)) fs.writeFileSync(path.join(dir, name), text);
    fs.writeFileSync(path.join(dir, '.hidden.yaml'), 'ignored: true\n');
    fs.writeFileSync(path.join(dir, 'README.md'), '# ignored\n');
    fs.mkdirSync(path.join(dir, 'sub.yaml'));
    const r = generate('--policies', dir, '--stdout');
    expect(r.status).toBe(0);
    const [doc] = parseManifestText('generated', r.stdout); // also asserts 1.1 and 1.2 agree
    expect(at(doc, 'data')).toEqual(texts);
    expect(at(doc, 'metadata')).toMatchObject({ name: 'zdr-egress-policies', namespace: 'zdr-egress' });
  });

  it('refuses a file name that cannot be a ConfigMap key', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'my policy.yaml'), 'version: 1\n');
    const r = generate('--policies', dir, '--stdout');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/my policy\.yaml: a ConfigMap key may hold only/);
  });

  it('refuses a folder without policy files', () => {
    const r = generate('--policies', tempDir(), '--stdout');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no policy files/);
  });

  it('reports an out-of-date ConfigMap with the command that fixes it', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'policy.yaml'), 'version: 1\n');
    const out = path.join(tempDir(), 'out.yaml');
    expect(generate('--policies', dir, '--out', out).status).toBe(0);
    expect(generate('--policies', dir, '--out', out, '--check').status).toBe(0);
    fs.appendFileSync(path.join(dir, 'policy.yaml'), '# changed\n');
    const r = generate('--policies', dir, '--out', out, '--check');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/out of date .*run: node deploy\/kubernetes\/generate-configmap\.mjs/);
  });
});
