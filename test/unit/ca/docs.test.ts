import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CA_ERROR_CODES } from '../../../src/ca/errors.js';

// docs/ca.md is the operator's reference for CA failures; a new code must come with its row.
describe('docs/ca.md', () => {
  const doc = readFileSync(join(process.cwd(), 'docs', 'ca.md'), 'utf8');
  it.each(CA_ERROR_CODES)('documents %s in the errors table', (code) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });
});
