// zdr-egress as a child process, exactly as operators run it (node dist/cli/index.js start), with
// every byte of its stdout and stderr kept, a V8 heap snapshot on SIGUSR2, and a clean environment
// (only PATH and what the caller passes: no machine-wide CA variables, no NODE_OPTIONS).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const REPO = new URL('../../', import.meta.url).pathname;
const CLI = join(REPO, 'dist', 'cli', 'index.js');

export interface ChildEgress {
  readonly pid: number;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  stdout(): Buffer;
  stderr(): Buffer;
  /** Sends SIGUSR2 and resolves with the path of the finished .heapsnapshot file. */
  heapSnapshot(): Promise<string>;
  /** SIGTERM, then waits for exit (which flushes the decision log and the OTLP exporters). */
  stop(): Promise<number | null>;
}

export interface ChildOptions {
  readonly cwd: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** Builds dist/ when it is missing or older than any file in src/ (npm test builds it in pretest). */
export function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newest(join(REPO, 'src'))) {
    // The CLI is newer than every source; individual outputs may still lag (tsc writes them all).
    const stale = readdirSync(join(REPO, 'src'), { recursive: true, withFileTypes: true }).some((e) => {
      if (!e.isFile() || !e.name.endsWith('.ts')) return false;
      const src = join(e.parentPath, e.name);
      const out = join(REPO, 'dist', relative(join(REPO, 'src'), src)).replace(/\.ts$/, '.js');
      return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
    });
    if (!stale) return;
  }
  try {
    execFileSync(
      process.execPath,
      [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: REPO,
        stdio: 'pipe',
      },
    );
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`npx tsc -p tsconfig.build.json failed:\n${out.slice(0, 2000)}`);
  }
}

export async function startChild(opts: ChildOptions): Promise<ChildEgress> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--heapsnapshot-signal=SIGUSR2',
      // V8 cuts each string to 1024 characters in a snapshot by default: a canary deep inside a long
      // string (a whole body decoded to text) would be missed.
      '--heap-snapshot-string-limit=4194304',
      CLI,
      'start',
      ...opts.args,
    ],
    {
      cwd: opts.cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child not ready: ${Buffer.concat(err).toString()}`)),
      20_000,
    );
    const check = (): void => {
      const m = /zdr-egress ready: proxy (\S+) admin (\S+)/.exec(Buffer.concat(out).toString('utf8'));
      if (m === null) return;
      clearTimeout(timer);
      resolve(m);
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before ready: ${Buffer.concat(err).toString()}`));
    });
  });
  const pid = child.pid ?? 0;
  const adminUrl = ready[2] as string;
  return {
    pid,
    proxyUrl: ready[1] as string,
    adminUrl,
    stdout: () => Buffer.concat(out),
    stderr: () => Buffer.concat(err),
    async heapSnapshot() {
      const before = new Set(readdirSync(opts.cwd));
      child.kill('SIGUSR2');
      const deadline = Date.now() + 30_000;
      for (;;) {
        const file = readdirSync(opts.cwd).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
        // The snapshot is written synchronously on the main thread: an answer from the admin port
        // after the file appeared means the write has finished.
        if (file !== undefined) {
          await fetch(`${adminUrl}/healthz`).then((r) => r.text());
          const path = join(opts.cwd, file);
          const tail = readFileSync(path).subarray(-16).toString('utf8').trim();
          if (tail.endsWith('}')) return path;
        }
        if (Date.now() > deadline) throw new Error('no heap snapshot within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
