import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../../src/decision-log/csv.js';
import { parseCsv } from './csv-reader.js';

describe('csv', () => {
  it.each([
    ['plain.example.com', 'plain.example.com'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    [' padded ', '" padded "'],
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
  ])('writes %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('writes numbers as numbers and NULL as an empty cell', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });

  it('round-trips attacker-controlled text through a strict reader', () => {
    const nasty = ['<script>alert(1)</script>', 'x"y', 'a,b,c', 'multi\r\nline', '\t=cmd', 'ünïcødé'];
    const rows = parseCsv(
      toCsv(
        ['host'],
        nasty.map((n) => [n]),
      ),
    );
    expect(rows[0]).toEqual(['host']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(nasty.map((n) => (/^[=+\-@\t\r]/.test(n) ? `'${n}` : n)));
    expect(rows.every((r) => r.length === 1)).toBe(true);
  });
});
