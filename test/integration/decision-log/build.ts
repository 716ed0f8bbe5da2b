// Compiles src/decision-log (and what it imports) to JavaScript once per test file, so that the
// writer thread, which needs a real .js entry point, runs as it does in production. The output goes to
// test-artifacts/ (gitignored) inside the repository, so that `better-sqlite3` resolves from
// node_modules. Compiling only these entry points keeps the tests independent of other modules that
// may be mid-edit (dist/ from `npm run build` could be stale or missing).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

export function buildDecisionLog(): string {
  const dir = path.join(ROOT, 'test-artifacts', `decision-log-build-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const entries = ['log.ts', 'writer-worker.ts', 'queries.ts', 'report-client.ts', 'report-worker.ts'].map(
    (f) => path.join(ROOT, 'src', 'decision-log', f),
  );
  const config = {
    extends: path.join(ROOT, 'tsconfig.json'),
    compilerOptions: {
      rootDir: path.join(ROOT, 'src'),
      outDir: path.join(dir, 'out'),
      noEmit: false,
      sourceMap: false,
    },
    files: entries,
    include: [],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { stdio: 'pipe' });
  } catch (err) {
    // tsc still emits when an unrelated file has type errors; only errors in our files count.
    const output = String((err as { stdout?: Buffer }).stdout ?? '');
    const ours = output
      .split('\n')
      .filter((l) => l.includes('src/decision-log/') || l.includes('src/domain/'));
    if (ours.length > 0) throw new Error(`decision-log does not compile:\n${ours.join('\n')}`);
  }
  return path.join(dir, 'out', 'decision-log');
}

export function removeBuild(outDecisionLog: string): void {
  fs.rmSync(path.resolve(outDecisionLog, '..', '..'), { recursive: true, force: true });
}
