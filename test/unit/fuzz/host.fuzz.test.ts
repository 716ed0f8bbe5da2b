// Fuzzing host normalisation: normalizeHost and splitHostPort never throw, their output is a fixed
// point (normalising it again changes nothing), holds no character that could smuggle a path, a
// user or a second authority, and every spelling of a named AI host either normalises to that host
// or is refused, so none of them can reach a raw tunnel.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeHost, splitHostPort } from '../../../src/classify/host.js';
import { loadPolicyDir } from '../../../src/policy/load.js';
import { decideConnect } from '../../../src/policy/decide.js';

const RUNS = { numRuns: 3000 };
const POLICIES = new URL('../../../policies/', import.meta.url).pathname;

/** Pieces a hostile host is made of: labels, dots, brackets, digits, and Unicode that IDNA maps. */
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.domain() },
  { weight: 3, arbitrary: fc.constantFrom('.', '..', ':', '[', ']', '-', '_', '0x7f', '1', '255', '::') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Ａ',
      'ａ',
      '𝐚',
      '⑴',
      '²',
      'ẞ',
      'ß',
      'İ',
      '。',
      '．',
      '\u00ad',
      '\u200b',
      'ǆ',
      'Ⅻ',
      '¼',
      'ﬀ',
      'K',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6().map((v) => `[${v}]`) },
);
const hostish = fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
const anyString = fc.oneof(hostish, fc.string({ unit: 'binary', maxLength: 40 }));

/** Only these may appear in a normalised host: LDH labels, `_`, dots, and IPv6 hex with colons. */
const CANONICAL = /^[a-z0-9._:-]+$/;

// Finding 2 in docs/hostile-input.md: fails until it is fixed.
describe('normalizeHost (fuzz)', () => {
  it('never throws', () => {
    fc.assert(
      fc.property(anyString, (raw) => void normalizeHost(raw)),
      RUNS,
    );
  });

  it('is idempotent: a normalised host normalises to itself', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const once = normalizeHost(raw);
        if (once !== null) expect(normalizeHost(once)).toBe(once);
      }),
      RUNS,
    );
  });

  it('returns only canonical characters: no / @ ? # % \\ whitespace, upper case or symbols', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const out = normalizeHost(raw);
        if (out !== null) expect(out).toMatch(CANONICAL);
      }),
      RUNS,
    );
  });

  it('returns no empty label: no leading, trailing or doubled dot', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const out = normalizeHost(raw);
        if (out !== null && !out.includes(':')) expect(out.split('.')).not.toContain('');
      }),
      RUNS,
    );
  });

  it.each([
    ['api.openai.com..', 'two trailing dots'],
    ['.api.openai.com', 'a leading dot'],
    ['⑴.com', 'a character IDNA maps to parentheses'],
  ])('regression: %j (%s) is refused or made canonical', (raw) => {
    const out = normalizeHost(raw);
    if (out !== null) {
      expect(out).toMatch(CANONICAL);
      expect(out.split('.')).not.toContain('');
      expect(normalizeHost(out)).toBe(out);
    }
  });
});

// Finding 2 in docs/hostile-input.md: fails until it is fixed.
describe('splitHostPort (fuzz)', () => {
  const authority = fc.oneof(
    fc
      .tuple(
        hostish,
        fc.oneof(
          fc.integer({ min: -5, max: 70000 }).map(String),
          fc.constantFrom('', '443', '0443', '+443', '443 ', 'https'),
        ),
      )
      .map(([h, p]) => `${h}:${p}`),
    anyString,
  );

  it('never throws, and whatever it accepts is a canonical host and a port in range', () => {
    fc.assert(
      fc.property(authority, fc.constantFrom(null, 80, 443), (raw, defaultPort) => {
        const out = splitHostPort(raw, defaultPort);
        if (out === null) return;
        expect(Number.isInteger(out.port) && out.port >= 1 && out.port <= 65535).toBe(true);
        expect(out.host).toMatch(CANONICAL);
        expect(normalizeHost(out.host)).toBe(out.host);
      }),
      RUNS,
    );
  });

  it('round-trips: a split authority written back splits to the same host and port', () => {
    fc.assert(
      fc.property(authority, (raw) => {
        const out = splitHostPort(raw, null);
        if (out === null) return;
        const written = out.host.includes(':') ? `[${out.host}]:${out.port}` : `${out.host}:${out.port}`;
        expect(splitHostPort(written, null)).toEqual(out);
      }),
      RUNS,
    );
  });
});

// Finding 2 in docs/hostile-input.md: fails until it is fixed.
describe('every spelling of a named AI host is intercepted or refused (fuzz)', () => {
  const loaded = loadPolicyDir(POLICIES);
  if (!loaded.ok) throw new Error('the shipped policy must load');
  const policy = loaded.policy;

  /** One spelling of `name`: case, full-width and mathematical letters, dot variants, extra dots. */
  const spelling = (name: string) =>
    fc
      .tuple(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: name.length, maxLength: name.length }),
        fc.constantFrom('', '.'),
        fc.constantFrom('', '.', '..', '...'),
      )
      .map(([forms, lead, trail]) => {
        const chars = [...name].map((c, i) => {
          const f = forms[i] ?? 0;
          if (c === '.') return ['.', '.', '\u3002', '\uff0e', '\uff61'][f] ?? '.';
          if (!/[a-z]/.test(c)) return c;
          const k = c.charCodeAt(0) - 97;
          return (
            [c, c.toUpperCase(), String.fromCharCode(0xff41 + k), String.fromCodePoint(0x1d41a + k), c][f] ??
            c
          );
        });
        return lead + chars.join('') + trail;
      });

  it.each(['api.openai.com', 'api.anthropic.com', 'chatgpt.com', 'claude.ai'])(
    'no spelling of %s splits to a host the policy would tunnel',
    (name) => {
      expect(decideConnect(name, 443, policy).kind).not.toBe('tunnel');
      fc.assert(
        fc.property(spelling(name), (spelled) => {
          const out = splitHostPort(`${spelled}:443`, null);
          if (out === null) return; // refused: 400 on the CONNECT line
          expect({ spelled, verdict: decideConnect(out.host, out.port, policy).kind }).not.toEqual({
            spelled,
            verdict: 'tunnel',
          });
        }),
        { numRuns: 1000 },
      );
    },
  );
});
