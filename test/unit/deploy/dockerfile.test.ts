// The Dockerfile, checked by reading it: these machines have no Docker engine to build it. A small
// parser joins continuation lines, drops comments and splits the file into stages.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv, resolveConfig } from '../../../src/config/config.js';
import { at, list, loadManifests, one, REPO } from './manifests.js';

interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly stage: number;
}

function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(pending);
    pending = '';
    if (!m) continue;
    const op = (m[1] as string).toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ op, args: (m[2] as string).replace(/\s+/g, ' '), stage });
  }
  return out;
}

const text = fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
const all = parseDockerfile(text);
const lastStage = Math.max(...all.map((i) => i.stage));
const final = all.filter((i) => i.stage === lastStage);
const ops = (list: readonly Instruction[], op: string): Instruction[] => list.filter((i) => i.op === op);
const indexOf = (op: string): number => final.findIndex((i) => i.op === op);

function finalEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of ops(final, 'ENV')) {
    for (const pair of i.args.split(' ')) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

describe('Dockerfile', () => {
  it('is multi-stage, every stage on Node 20 slim pinned by exact version', () => {
    const froms = ops(all, 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) {
      const image = f.args.split(' ')[0] ?? '';
      expect(image).toMatch(/^node:20\.\d+\.\d+-(bookworm|bullseye|trixie)-slim(@sha256:[0-9a-f]{64})?$/);
      expect(image).not.toMatch(/latest/);
    }
  });

  it('installs with npm ci and prunes dev dependencies before the runtime stage copies node_modules', () => {
    const buildRuns = all
      .filter((i) => i.stage < lastStage && i.op === 'RUN')
      .map((i) => i.args)
      .join(' && ');
    expect(buildRuns).toMatch(/\bnpm ci\b/);
    expect(buildRuns).toMatch(/\bnpm prune --omit=dev\b/);
    expect(buildRuns.indexOf('npm prune')).toBeGreaterThan(buildRuns.indexOf('npm ci'));
    const copies = ops(final, 'COPY').map((i) => i.args);
    expect(copies).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--from=\S+ \/app\/node_modules /),
        expect.stringMatching(/^--from=\S+ \/app\/dist /),
      ]),
    );
  });

  it('installs nothing in the runtime stage and leaves no package manager in it', () => {
    const runs = ops(final, 'RUN')
      .map((i) => i.args)
      .join(' && ');
    expect(runs).not.toMatch(/\b(npm (ci|install|i)|apt-get install|yarn add)\b/);
    expect(runs).toMatch(/rm -rf [^&]*\/usr\/local\/lib\/node_modules\/npm/);
  });

  it('switches to a non-root user before ENTRYPOINT and CMD, the uid the Deployment runs as', () => {
    const users = ops(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = (users.at(-1) as Instruction).args.split(':')[0];
    expect(user).not.toMatch(/^(0|root)$/);
    expect(user).toMatch(/^\d+$/); // numeric, so runAsNonRoot can verify it
    const lastUser = final.lastIndexOf(users.at(-1) as Instruction);
    expect(lastUser).toBeLessThan(indexOf('ENTRYPOINT'));
    expect(lastUser).toBeLessThan(indexOf('CMD'));
    const deployment = one(loadManifests(), 'Deployment');
    expect(String(at(deployment, 'spec', 'template', 'spec', 'securityContext', 'runAsUser'))).toBe(user);
  });

  it('copies no certificates, keys, .env or data into any stage, and never the whole context', () => {
    for (const i of all.filter((i) => i.op === 'COPY' || i.op === 'ADD')) {
      const sources = i.args
        .split(' ')
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1);
      for (const s of sources) {
        expect(s).not.toMatch(/(^|\/)(certs|data)(\/|$)|\.key$|\.pem$|\.p12$|(^|\/)\.env|^\.\/?$|^\*$/);
      }
    }
    expect(ops(all, 'ADD')).toEqual([]); // COPY only: ADD fetches URLs and unpacks archives
  });

  it('carries no secret in ENV or ARG', () => {
    for (const i of [...ops(all, 'ENV'), ...ops(all, 'ARG')]) {
      expect(i.args).not.toMatch(/(TOKEN|SECRET|PASSWORD|PRIVATE|_KEY)\w*=/i);
    }
  });

  it('ships the default policies', () => {
    expect(ops(final, 'COPY').map((i) => i.args)).toContain('policies ./policies');
    expect(ops(final, 'WORKDIR').at(-1)?.args).toBe('/app');
  });

  it('makes only /app/certs and /app/data writable for the process', () => {
    const chowns = ops(final, 'RUN')
      .flatMap((i) => i.args.split('&&'))
      .filter((c) => /\bchown\b/.test(c));
    expect(chowns.length).toBeGreaterThan(0);
    for (const c of chowns) {
      const targets = c
        .trim()
        .split(' ')
        .filter((a) => a.startsWith('/'));
      expect(targets.sort()).toEqual(['/app/certs', '/app/data']);
    }
    expect(ops(final, 'VOLUME').map((i) => i.args)).toEqual(['["/app/certs", "/app/data"]']);
  });

  it('exposes 8080 and 8081 and has a HEALTHCHECK on /healthz', () => {
    expect(ops(final, 'EXPOSE').map((i) => i.args)).toEqual(['8080 8081']);
    const health = ops(final, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]?.args).toMatch(/CMD .*\/healthz/);
  });

  it('starts node as PID 1 with core dumps off, in exec form, no inspector, and the node flags of npm start', () => {
    const entrypoint = JSON.parse(final[indexOf('ENTRYPOINT')]?.args ?? 'null') as string[];
    expect(entrypoint.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    const start = (
      JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } }
    ).scripts.start;
    const flags = /^node((?: --?\S+)*) dist\/cli\/index\.js start$/.exec(start)?.[1];
    expect(flags).toBeDefined();
    expect(entrypoint[2]).toBe(`ulimit -c 0 && exec node${flags} dist/cli/index.js "$@"`);
    expect(JSON.parse(final[indexOf('CMD')]?.args ?? 'null')).toEqual(['start']);
    expect(text).not.toMatch(/--inspect|--heapsnapshot|--report-on/);
  });

  it('sets only configuration the process accepts, at the paths the Deployment mounts', () => {
    const env = finalEnv();
    const config = resolveConfig([{ source: 'Dockerfile', values: configFromEnv(env) }]);
    expect(env.NODE_ENV).toBe('production');
    const proxy = list(
      at(one(loadManifests(), 'Deployment'), 'spec', 'template', 'spec', 'containers'),
      'containers',
    )[0];
    const mounts = new Map(list(proxy?.volumeMounts, 'mounts').map((m) => [m.name, m.mountPath]));
    expect(config.policies).toBe(mounts.get('policies'));
    expect(config.certs).toBe(mounts.get('certs'));
    expect(config.data).toBe(mounts.get('data'));
    expect(config.listen.port).toBe(8080);
    expect(config.admin.port).toBe(8081);
  });
});
