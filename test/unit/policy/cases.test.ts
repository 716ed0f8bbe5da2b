// Runs test/policy-cases/*.yaml through the same code as `zdr-egress policy test`.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCaseFile } from '../../../src/cli/policy.js';
import { REASON_CODES } from '../../../src/domain/reason.js';
import { formatIssue } from '../../../src/policy/build.js';

const DIR = 'test/policy-cases';
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** Reasons only the proxy produces (fixedDecision, the warn page): no policy case can reach them. */
const PROXY_ONLY = [
  'sni_mismatch',
  'host_mismatch',
  'internal_error',
  'policy_unavailable',
  'decision_log_unavailable',
  'coach_continue',
  'egress_denied',
  'client_not_allowed',
  'auth_required',
];

describe.each(files)('policy cases %s', (file) => {
  const r = runCaseFile(path.join(DIR, file));
  it('loads', () => {
    expect(r.errors.map(formatIssue)).toEqual([]);
  });
  it.each(r.results.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(c.message).toBe('');
    expect(c.ok).toBe(true);
  });
});

describe('policy cases coverage', () => {
  it('covers every reason code the policy decides', () => {
    const seen = new Set<string>();
    for (const f of files) {
      const doc = parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as {
        cases: { expect: { reason: string } }[];
      };
      for (const c of doc.cases) seen.add(c.expect.reason);
    }
    const missing = REASON_CODES.filter((r) => !PROXY_ONLY.includes(r) && !seen.has(r));
    expect(missing).toEqual([]);
  });
});
