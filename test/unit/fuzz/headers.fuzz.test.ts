// Fuzzing header building between client and upstream: whatever the client sends (any mix and case
// of hop-by-hop names, Connection tokens, pseudo-headers, tenant headers), the upstream list holds
// no hop-by-hop header, no header the Connection header named, no client copy of an injected
// header, and exactly the injected values; the client list never carries Alt-Svc or hop-by-hop ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HeaderInjection } from '../../../src/domain/decision.js';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../../src/proxy/headers.js';

const RUNS = { numRuns: 2000 };

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'http2-settings',
];
const TENANT = ['anthropic-allowed-org-ids', 'chatgpt-allowed-workspace-id', 'restrict-access-to-tenants'];

/** Random upper/lower case, as clients send names. */
const anyCase = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((up) => [...name].map((c, i) => (up[i] === true ? c.toUpperCase() : c)).join(''));

/** RFC 9110 token characters: what llhttp and nghttp2 let through as a header name. */
const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,20}$/);
const fieldValue = fc.stringMatching(/^[\t\x20-\x7e\x80-\xff]{0,30}$/);

const headerName = fc.oneof(
  { weight: 3, arbitrary: token },
  { weight: 3, arbitrary: fc.constantFrom(...HOP_BY_HOP).chain(anyCase) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...TENANT)
      .chain((t) => fc.constantFrom(t, `${t}1`, `${t}9`, `${t}x`))
      .chain(anyCase),
  },
  { weight: 1, arbitrary: fc.constantFrom(':method', ':path', ':authority', ':scheme') },
  { weight: 1, arbitrary: fc.constantFrom('sec-websocket-key', 'sec-websocket-protocol', 'x-named-hop') },
);

/** A Connection value naming some of the other headers (and junk tokens). */
const connectionValue = fc
  .array(
    fc.tuple(
      fc.oneof(token, fc.constantFrom('keep-alive', 'close', 'x-named-hop', 'sec-websocket-key', 'Upgrade')),
      fc.constantFrom(',', ', ', ' ,'),
    ),
    { maxLength: 4 },
  )
  .map((parts) => parts.map(([t, sep]) => t + sep).join(''));

const rawHeaders = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.tuple(headerName, fieldValue) },
      { weight: 1, arbitrary: fc.tuple(anyCase('connection'), connectionValue) },
    ),
    { maxLength: 20 },
  )
  .map((pairs) => pairs.flat());

const injections: fc.Arbitrary<HeaderInjection[]> = fc.uniqueArray(
  fc.record({ name: fc.constantFrom(...TENANT), value: fc.stringMatching(/^[a-z0-9,-]{1,20}$/) }),
  { selector: (h) => h.name, maxLength: 2 },
);

function connectionTokens(raw: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'connection') {
      for (const t of (raw[i + 1] ?? '').split(',')) named.add(t.trim().toLowerCase());
    }
  }
  return named;
}

describe('upstreamRequestHeaders (fuzz)', () => {
  it('never forwards a hop-by-hop header, a pseudo-header or one the Connection header names', () => {
    fc.assert(
      fc.property(rawHeaders, injections, fc.boolean(), (raw, inject, keepUpgrade) => {
        const out = upstreamRequestHeaders(raw, inject, keepUpgrade);
        expect(out.length % 2).toBe(0);
        const named = connectionTokens(raw);
        for (let i = 0; i < out.length; i += 2) {
          const name = (out[i] as string).toLowerCase();
          expect(name.startsWith(':')).toBe(false);
          if (!(keepUpgrade && name === 'upgrade')) expect(HOP_BY_HOP).not.toContain(name);
          if (!name.startsWith('sec-websocket') && !inject.some((h) => h.name === name)) {
            expect(named.has(name)).toBe(false);
          }
        }
      }),
      RUNS,
    );
  });

  it('sends each injected header exactly once, with the policy value, never a client copy or numbered twin', () => {
    fc.assert(
      fc.property(rawHeaders, injections, (raw, inject) => {
        const out = upstreamRequestHeaders(raw, inject);
        for (const h of inject) {
          const values: string[] = [];
          for (let i = 0; i < out.length; i += 2) {
            const name = (out[i] as string).toLowerCase();
            if (name === h.name) values.push(out[i + 1] as string);
            expect(new RegExp(`^${h.name}\\d+$`).test(name)).toBe(false);
          }
          expect(values).toEqual([h.value]);
        }
      }),
      RUNS,
    );
  });

  it('keeps every other header, with its value, in the order the client sent it', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            token.filter((t) => !HOP_BY_HOP.includes(t.toLowerCase())),
            fieldValue,
          ),
          { maxLength: 15 },
        ),
        (pairs) => {
          const raw = pairs.flat();
          expect(upstreamRequestHeaders(raw, [])).toEqual(raw);
        },
      ),
      RUNS,
    );
  });

  it('never emits a name with CR, LF or NUL from parser-valid input, and never invents a name', () => {
    fc.assert(
      fc.property(rawHeaders, injections, (raw, inject) => {
        const out = upstreamRequestHeaders(raw, inject);
        const given = new Set([...raw.filter((_, i) => i % 2 === 0), ...inject.map((h) => h.name)]);
        for (let i = 0; i < out.length; i += 2) {
          expect(out[i]).not.toMatch(/[\r\n\0]/);
          expect(given.has(out[i] as string)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  // headers.ts does not validate names itself: it relies on llhttp and nghttp2, which refuse CR, LF,
  // NUL and non-token bytes in names before a request exists (test/integration/hostile proves it),
  // and on undici, which refuses to send them. With arbitrary strings it must still never throw.
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { maxLength: 16 }),
        injections,
        (raw, inject) => {
          const even = raw.length % 2 === 0 ? raw : raw.slice(0, -1);
          expect(upstreamRequestHeaders(even, inject).length % 2).toBe(0);
        },
      ),
      RUNS,
    );
  });
});

describe('clientResponseHeaders (fuzz)', () => {
  const DROPPED = [
    'connection',
    'keep-alive',
    'proxy-connection',
    'transfer-encoding',
    'upgrade',
    'trailer',
    'alt-svc',
  ];
  const responseName = fc.oneof(
    token.map((t) => t.toLowerCase()),
    fc.constantFrom(...DROPPED, 'x-zdr-egress-decision'),
  );

  it('drops Alt-Svc, hop-by-hop and upstream x-zdr-egress-* headers, keeps every other value, stamps ours', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(responseName, fieldValue), { maxLength: 20 }),
        fc.option(
          fc.record({ action: fc.constantFrom('allow' as const, 'report' as const), decisionId: fc.uuid() }),
          { nil: null },
        ),
        (pairs, stamp) => {
          const rawList = pairs.flatMap(([n, v]) => [Buffer.from(n, 'latin1'), Buffer.from(v, 'latin1')]);
          const out = clientResponseHeaders(rawList, stamp);
          for (const name of DROPPED) expect(out).not.toHaveProperty(name);
          expect(out['x-zdr-egress-decision']).toBe(stamp?.action);
          expect(out['x-zdr-egress-decision-id']).toBe(stamp?.decisionId);
          for (const [n, v] of pairs) {
            if (DROPPED.includes(n) || n.startsWith('x-zdr-egress-')) continue;
            expect([out[n]].flat()).toContain(v);
          }
        },
      ),
      RUNS,
    );
  });
});
