import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDecisionLog, removeBuild } from './build.js';

let out: string;
beforeAll(() => {
  out = buildDecisionLog();
}, 120_000);
afterAll(() => removeBuild(out));

interface Progress {
  appended: number;
  written: number;
  dropped: number;
}

/** Runs the child until it reports `minWritten` committed rows, then SIGKILLs it mid-burst. */
function runAndKill(dataDir: string, writer: 'thread' | 'inline', minWritten: number): Promise<Progress> {
  const child = spawn(
    process.execPath,
    [
      path.join(import.meta.dirname, 'crash-child.mjs'),
      pathToFileURL(path.join(out, 'log.js')).href,
      dataDir,
      writer,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let buffer = '';
  let last: Progress | null = null;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) last = JSON.parse(line) as Progress;
      if (last !== null && last.written >= minWritten && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL' || last === null)
        reject(new Error(`child ended without being killed: ${stderr}`));
      else resolve(last);
    });
  });
}

describe('decision log crash safety', () => {
  it.each(['thread', 'inline'] as const)(
    'loses nothing it reported as written when SIGKILLed mid-burst (%s writer), and the file stays intact',
    async (writer) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-crash-'));
      try {
        const last = await runAndKill(dataDir, writer, 20_000);
        const db = new Database(path.join(dataDir, 'decisions.db'));
        try {
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
          const survivors = db.prepare('SELECT count(*) FROM decisions').pluck().get() as number;
          // Everything the child saw committed survived; at most what it appended after that is gone.
          expect(survivors).toBeGreaterThanOrEqual(last.written);
          expect(survivors).toBeLessThanOrEqual(last.appended + 1_000);
          expect(last.dropped).toBe(0);
          // Batches commit in order: the survivors are exactly the first N ids, no gaps.
          const maxId = db.prepare('SELECT max(id) FROM decisions').pluck().get() as string;
          expect(maxId).toBe(`c-${String(survivors - 1).padStart(9, '0')}`);
          // Rollups commit in the same transaction as their rows.
          const rolled = db
            .prepare('SELECT sum(n) FROM rollup_core WHERE grain = 3600000')
            .pluck()
            .get() as number;
          expect(rolled).toBe(survivors);
          process.stdout.write(
            `crash (${writer}): child reported ${last.written} written of ${last.appended} appended; ${survivors} survived\n`,
          );
        } finally {
          db.close();
        }
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
