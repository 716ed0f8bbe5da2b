import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../../src/domain/reason.js';

describe('docs', () => {
  const reasons = fs.readFileSync('docs/reasons.md', 'utf8');

  it.each(REASON_CODES)('docs/reasons.md documents %s as a heading or table row', (code) => {
    const row = new RegExp(`^\\|\\s*\`?${code}\`?\\s*\\|`, 'm');
    const heading = new RegExp(`^#+\\s+\`?${code}\`?\\s*$`, 'm');
    expect(row.test(reasons) || heading.test(reasons)).toBe(true);
  });

  it('docs/policy.md states the precedence exactly as decide() does', () => {
    const src = fs.readFileSync('src/policy/decide.ts', 'utf8');
    const start = src.indexOf(' * Precedence.');
    const end = src.indexOf('*/', start);
    const comment = src
      .slice(start, end)
      .split('\n')
      .map((l) => l.replace(/^ \* ?/, ''))
      .join('\n')
      .trim();
    expect(comment.length).toBeGreaterThan(500);
    expect(fs.readFileSync('docs/policy.md', 'utf8')).toContain(comment);
  });
});
