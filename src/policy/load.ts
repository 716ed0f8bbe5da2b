// The only policy module that touches the filesystem: reads a policy folder and watches it for edits.
// The folder layout is flat (a Kubernetes ConfigMap cannot hold subfolders): every *.yaml / *.yml file
// that does not start with a dot. Files may be symlinks (ConfigMaps link them through `..data`).

import fs from 'node:fs';
import path from 'node:path';
import type { Mode } from '../domain/decision.js';
import { buildPolicy, type PolicyLoadResult, type PolicySource } from './build.js';
import type { PolicyIssue } from './issues.js';

export type { PolicyIssue } from './issues.js';
export type { PolicyLoadResult } from './build.js';

const DEBOUNCE_MS = 100;

export function readPolicySources(
  dir: string,
): { ok: true; sources: PolicySource[] } | { ok: false; errors: PolicyIssue[] } {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => !n.startsWith('.') && /\.ya?ml$/.test(n))
      .sort();
  } catch (err) {
    return {
      ok: false,
      errors: [
        { file: dir, line: 0, message: `cannot read the policy folder (${code(err)}); check --policies` },
      ],
    };
  }
  const sources: PolicySource[] = [];
  const errors: PolicyIssue[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if (!fs.statSync(file).isFile()) continue; // statSync follows symlinks
      sources.push({ file, name, text: fs.readFileSync(file, 'utf8') });
    } catch (err) {
      errors.push({ file, line: 0, message: `cannot read the file (${code(err)})` });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  if (sources.length === 0) {
    return {
      ok: false,
      errors: [
        {
          file: dir,
          line: 0,
          message: 'no policy files (*.yaml) in the folder; copy the shipped policies/ folder',
        },
      ],
    };
  }
  return { ok: true, sources };
}

/** Reads and compiles a policy folder; `mode` overrides the global and per-rule modes (`--mode report`). */
export function loadPolicyDir(dir: string, options: { mode?: Mode } = {}): PolicyLoadResult {
  const read = readPolicySources(dir);
  return read.ok ? buildPolicy(read.sources, { mode: options.mode }) : read;
}

/**
 * Watches the folder itself and recompiles, debounced, after any event in it, so an edit in place, a
 * new file and the ConfigMap swap (a temp symlink renamed over `..data`) are all seen. Reports a new
 * policy when its version changes, and errors when they differ from the last report; the caller keeps
 * its last good policy on errors. It does not report the state at start: load it with loadPolicyDir.
 */
export function watchPolicyDir(
  dir: string,
  options: { mode?: Mode },
  onResult: (r: PolicyLoadResult) => void,
): { close(): void } {
  let timer: NodeJS.Timeout | null = null;
  let last = '';
  let closed = false;
  const reload = (): void => {
    timer = null;
    if (closed) return;
    const r = loadPolicyDir(dir, options);
    const sig = r.ok ? `ok:${r.policy.version}` : `err:${JSON.stringify(r.errors)}`;
    if (sig === last) return;
    last = sig;
    onResult(r);
  };
  const schedule = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(reload, DEBOUNCE_MS);
  };
  const watcher = fs.watch(dir, { persistent: false }, schedule);
  watcher.on('error', (err) => {
    if (closed) return;
    onResult({
      ok: false,
      errors: [
        {
          file: dir,
          line: 0,
          message: `watching the policy folder stopped (${code(err)}); restart to reload`,
        },
      ],
    });
  });
  return {
    close(): void {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      watcher.close();
    },
  };
}

function code(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : 'error';
}
