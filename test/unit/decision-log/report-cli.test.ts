import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerReportCommands } from '../../../src/cli/report.js';
import { HOUR } from '../../../src/decision-log/buckets.js';
import type { ReportSummary } from '../../../src/decision-log/queries.js';
import { parseCsv } from './csv-reader.js';
import { record } from './records.js';
import { seedLog } from './seed.js';

const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);
const EVIL_HOST = 'evil.example\u001b[31m<script>alert(1)</script>';
const EVIL_PATH = '/x"y,z\n=cmd|calc';

let dir: string;
let out = '';
let err = '';

function run(...args: string[]): void {
  out = '';
  err = '';
  process.exitCode = undefined;
  const program = new Command('zdr-egress').exitOverride();
  registerReportCommands(program, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    now: () => NOW,
  });
  program.parse(['node', 'zdr-egress', ...args]);
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-report-'));
  seedLog(dir, [
    record({ id: 'blk-1', ts: NOW - 2 * HOUR, user: 'alice' }),
    record({
      id: 'blk-2',
      ts: NOW - 3 * HOUR,
      user: 'alice',
      reason: 'unapproved_credential',
      host: 'api.openai.com',
      surface: 'api',
    }),
    record({ id: 'evil-1', ts: NOW - HOUR, host: EVIL_HOST, path: EVIL_PATH, clientIp: '10.9.9.9' }),
    record({ id: 'ok-1', ts: NOW - HOUR, action: 'allow', host: 'api.openai.com' }),
    record({ id: 'old-1', ts: NOW - 72 * HOUR }),
  ]);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = undefined;
});

describe('zdr-egress report', () => {
  it('prints totals and breakdowns for the last 24 hours by default', () => {
    run('report', '--data', dir);
    expect(err).toBe('');
    expect(out).toContain('Decisions: 4   allow 1   block 3   report 0   warn 0');
    expect(out).toMatch(/Blocks by reason\n\s+reason\s+count.*\n\s+consumer_surface\s+2 /);
    expect(out).toMatch(/user alice\s+2/);
  });

  it('never writes a terminal escape sequence or control character from a logged host', () => {
    run('report', '--data', dir, '--since', 'all');
    run('report', '--data', dir, '--since', 'all', '--decisions');
    expect(out).toContain('evil.example\\u{1b}[31m<script>');
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it('prints the summary as JSON', () => {
    run('report', '--data', dir, '--since', '7d', '--format', 'json');
    const s = JSON.parse(out) as ReportSummary;
    expect(s.total).toBe(5);
    expect(s.totals.block).toBe(4);
    expect(s.byReason.map((b) => [b.value, b.count])).toEqual([
      ['consumer_surface', 3],
      ['unapproved_credential', 1],
    ]);
  });

  it('prints the summary as one flat CSV table', () => {
    run('report', '--data', dir, '--format', 'csv');
    const rows = parseCsv(out);
    expect(rows[0]).toEqual(['section', 'value', 'count', 'allow', 'block', 'report', 'warn']);
    expect(rows).toContainEqual(['totals', 'all', '4', '1', '3', '0', '0']);
    expect(rows).toContainEqual(['host', EVIL_HOST, '1', '0', '1', '0', '0']);
  });

  it('exports decisions as CSV that a strict reader parses back, with formula cells neutralised', () => {
    run('report', '--data', dir, '--decisions', '--format', 'csv', '--since', 'all');
    const rows = parseCsv(out);
    const header = rows[0] as string[];
    expect(header.slice(0, 4)).toEqual(['id', 'ts', 'time', 'client_ip']);
    const evil = rows.find((r) => r[0] === 'evil-1') as string[];
    expect(evil[header.indexOf('host')]).toBe(EVIL_HOST);
    expect(evil[header.indexOf('path')]).toBe(EVIL_PATH);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['ok-1', 'evil-1', 'blk-1', 'blk-2', 'old-1']); // same ts: later write first;
  });

  it('filters and pages the decision list', () => {
    run(
      'report',
      '--data',
      dir,
      '--decisions',
      '--since',
      'all',
      '--user',
      'alice',
      '--limit',
      '1',
      '--offset',
      '1',
      '--format',
      'json',
    );
    const page = JSON.parse(out) as { rows: { id: string }[]; total: number };
    expect(page.total).toBe(2);
    expect(page.rows.map((r) => r.id)).toEqual(['blk-2']);
  });

  it('merges several --data directories', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-report-b-'));
    try {
      seedLog(other, [record({ ts: NOW - HOUR }), record({ ts: NOW - HOUR, action: 'warn' })]);
      run('report', '--data', dir, '--data', other, '--format', 'json');
      expect((JSON.parse(out) as ReportSummary).totals).toEqual({ allow: 1, block: 4, report: 0, warn: 1 });
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it.each([
    [['--since', 'yesterday'], /invalid time "yesterday": use a duration/],
    [['--format', 'xml'], /--format must be one of table, csv, json/],
    [['--action', 'explode'], /--action must be one of allow, block, report, warn/],
    [['--since', '1h', '--until', '2h'], /--until must be after --since/],
    [['--top', 'ten'], /--top must be a whole number/],
  ])('rejects %j with a message and exit code 1', (args, message) => {
    run('report', '--data', dir, ...args);
    expect(err).toMatch(message);
    expect(out).toBe('');
    expect(process.exitCode).toBe(1);
  });

  it('names the directory that holds no decision log', () => {
    run('report', '--data', path.join(dir, 'nowhere'));
    expect(err).toMatch(/no decision log at .*nowhere.*decisions\.db/);
    expect(process.exitCode).toBe(1);
  });
});

describe('zdr-egress why', () => {
  it('prints the decision, its explanation and its remedy', () => {
    run('why', 'blk-1', '--data', dir);
    expect(err).toBe('');
    expect(out).toMatch(/^Decision\s+blk-1$/m);
    expect(out).toMatch(/^Action\s+BLOCK \(reason consumer_surface, rule consumer\.chatgpt\)$/m);
    expect(out).toMatch(/^Request\s+POST chatgpt\.com\/backend-api\/conversation$/m);
    expect(out).toMatch(/^Client\s+10\.0\.0\.1 \(user alice\)$/m);
    expect(out).toMatch(/^Why\s+chatgpt\.com is a consumer AI surface of openai\./m);
    expect(out).toMatch(/^Remedy\s+Use the company's approved AI access instead/m);
  });

  it('prints JSON with --json', () => {
    run('why', 'blk-2', '--data', dir, '--json');
    const j = JSON.parse(out) as {
      decision: { id: string; reason: string };
      explanation: string;
      remedy: string;
    };
    expect(j.decision).toMatchObject({ id: 'blk-2', reason: 'unapproved_credential' });
    expect(j.explanation).toContain('not on the list of ZDR-approved credentials');
  });

  it('escapes attacker-controlled text in the explanation too', () => {
    run('why', 'evil-1', '--data', dir);
    expect(out).not.toContain('\u001b');
    expect(out).toContain('\\u{1b}');
  });

  it('says so when the id is unknown, with exit code 1', () => {
    run('why', 'nope', '--data', dir);
    expect(err).toMatch(/no decision "nope" in /);
    expect(process.exitCode).toBe(1);
  });
});
