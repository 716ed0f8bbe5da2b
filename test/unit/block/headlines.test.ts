import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../../src/domain/reason.js';
import { headlineFor, REASON_HEADLINES } from '../../../src/block/headlines.js';

describe('reason headlines', () => {
  it.each(REASON_CODES)('has an employee-facing headline for %s', (reason) => {
    const headline = headlineFor(reason);
    expect(headline.trim()).not.toBe('');
    // A headline, not a sentence: short, no trailing period, no jargon code in it.
    expect(headline.length).toBeLessThanOrEqual(70);
    expect(headline).not.toMatch(/\.$/);
    expect(headline).not.toContain('_');
  });

  it('covers exactly the closed set of reason codes', () => {
    expect(Object.keys(REASON_HEADLINES).sort()).toEqual([...REASON_CODES].sort());
  });

  it('is documented row by row in docs/block-page.md', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/block-page.md'), 'utf8');
    for (const reason of REASON_CODES) {
      // Whitespace-tolerant, so that a formatter padding the table does not break the check.
      const row = doc.split('\n').find((line) => line.replace(/\s+/g, ' ').startsWith(`| \`${reason}\` |`));
      expect(row?.replace(/\s+/g, ' ').trim(), reason).toBe(
        `| \`${reason}\` | ${REASON_HEADLINES[reason]} |`,
      );
    }
  });
});
