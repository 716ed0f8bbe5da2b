// Fuzzing configuration parsing: parseSize, parseDuration, parseEndpoint and resolveConfig either
// return a well-formed value or throw ConfigError (which the CLI prints as a clear message); no
// other exception, no NaN, no zero or negative size or duration, no port out of range.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_KEYS,
  ConfigError,
  parseDuration,
  parseEndpoint,
  parseSize,
  resolveConfig,
} from '../../../src/config/config.js';

const RUNS = { numRuns: 2000 };

/** Returns the value, or 'ConfigError'; anything else thrown fails the property. */
function attempt<T>(f: () => T): T | 'ConfigError' {
  try {
    return f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    return 'ConfigError';
  }
}

const sizeLike = fc.oneof(
  fc
    .tuple(
      fc.oneof(fc.nat().map(String), fc.stringMatching(/^\d{1,30}$/)),
      fc.constantFrom('', 'b', 'k', 'KiB', 'm', 'MiB', 'G', 'gib', 'tb', ' MiB', 'MiB ', 'mb', 'x'),
    )
    .map(([n, u]) => n + u),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const durationLike = fc.oneof(
  fc
    .tuple(
      fc.oneof(fc.nat().map(String), fc.stringMatching(/^\d{1,30}$/)),
      fc.constantFrom('ms', 's', 'm', 'h', 'S', 'd', '', ' s', 'sec'),
    )
    .map(([n, u]) => n + u),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const numberLike = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 53, Number.MAX_VALUE, NaN, Infinity, 0.5),
);

describe('config parsers (fuzz)', () => {
  it('parseSize returns a positive safe integer or throws ConfigError', () => {
    fc.assert(
      fc.property(fc.oneof(sizeLike, numberLike), (value) => {
        const out = attempt(() => parseSize('inspection_cap', value));
        if (out !== 'ConfigError') expect(Number.isSafeInteger(out) && out > 0).toBe(true);
      }),
      RUNS,
    );
  });

  it('parseDuration returns a positive safe integer of milliseconds or throws ConfigError', () => {
    fc.assert(
      fc.property(fc.oneof(durationLike, numberLike), (value) => {
        const out = attempt(() => parseDuration('headers_timeout', value));
        if (out !== 'ConfigError') expect(Number.isSafeInteger(out) && out > 0).toBe(true);
      }),
      RUNS,
    );
  });

  it('parseEndpoint returns a host and a port in range or throws ConfigError', () => {
    const endpoint = fc.oneof(
      fc
        .tuple(
          fc.oneof(
            fc.domain(),
            fc.ipV4(),
            fc.ipV6().map((v) => `[${v}]`),
            fc.string({ maxLength: 6 }),
          ),
          fc.oneof(fc.nat(99999).map(String), fc.string({ maxLength: 4 })),
        )
        .map(([h, p]) => `${h}:${p}`),
      fc.string({ unit: 'binary', maxLength: 24 }),
    );
    fc.assert(
      fc.property(endpoint, (value) => {
        const out = attempt(() => parseEndpoint('listen', value));
        if (out === 'ConfigError') return;
        expect(out.port >= 0 && out.port <= 65535 && Number.isInteger(out.port)).toBe(true);
        expect(out.host.length).toBeGreaterThan(0);
        // The host itself is not validated here (" :0" gives host " "): listen() refuses it at startup.
        expect(out.host).not.toMatch(/[[\]]/);
      }),
      RUNS,
    );
  });

  it('resolveConfig accepts or refuses any mix of keys and values with ConfigError only', () => {
    const key = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...CONFIG_KEYS, 'decision_log', 'block_page') },
      { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
    );
    const value = fc.oneof(
      sizeLike,
      durationLike,
      numberLike,
      fc.boolean(),
      fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }),
      fc.constantFrom(
        'enforce',
        'report',
        'info',
        '127.0.0.1:0',
        'api.openai.com:443:127.0.0.1',
        'x:1:[::1]:99999',
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (values) => {
        const out = attempt(() => resolveConfig([{ source: 'fuzz', values }]));
        if (out === 'ConfigError') return;
        expect(Object.isFrozen(out)).toBe(true);
        for (const d of [
          out.inspectionCapBytes,
          out.headersTimeoutMs,
          out.idleTimeoutMs,
          out.shutdownGraceMs,
        ]) {
          expect(Number.isSafeInteger(d) && d > 0).toBe(true);
        }
        for (const r of out.resolve) {
          expect(r.port >= 1 || r.port === 0).toBe(true);
          expect(r.port <= 65535 && r.addressPort <= 65535).toBe(true);
        }
      }),
      RUNS,
    );
  });
});
