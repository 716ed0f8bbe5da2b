// Fuzzing body classification: arbitrary bytes, arbitrary JSON values and hostile shapes (deep
// nesting, duplicate keys, __proto__) never throw and always yield a bodyState; when a body parses,
// the facts say exactly what the JSON says (an independent oracle), so an odd value cannot slip by.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyBody, classifyHead } from '../../../src/classify/index.js';
import { readBody } from '../../../src/classify/body.js';
import { loadPolicyDir } from '../../../src/policy/load.js';

const RUNS = { numRuns: 1000 };
const loaded = loadPolicyDir(new URL('../../../policies/', import.meta.url).pathname);
if (!loaded.ok) throw new Error('the shipped policy must load');
const facts = classifyHead(
  {
    method: 'POST',
    host: 'api.openai.com',
    port: 443,
    scheme: 'https',
    target: '/v1/responses',
    headers: { 'content-length': '1' },
    websocket: false,
  },
  loaded.policy,
);
const STATES = ['none', 'parsed', 'unreadable'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isSet = (v: unknown): boolean =>
  v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0);

/** Fields the rules read, with values of every JSON type (and the odd ones that must fail closed). */
const fieldValue = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 1, depthSize: 'small' }),
);
const hostileObject = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'model',
      'store',
      'background',
      'previous_response_id',
      'conversation',
      'tools',
      'mcp_servers',
      'skills',
      'container',
      '__proto__',
      'constructor',
    ),
    fc.string({ maxLength: 8 }),
  ),
  fc.oneof(
    fieldValue,
    fc.array(
      fc.dictionary(
        fc.constantFrom('type', 'allowed_callers', 'name'),
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
          fieldValue,
        ),
      ),
      { maxLength: 4 },
    ),
  ),
  { maxKeys: 8 },
);

describe('classifyBody (fuzz)', () => {
  it('never throws on arbitrary bytes and always yields a body state', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const out = classifyBody(facts, bytes);
        expect(STATES).toContain(out.bodyState);
        expect(out.bodyState === 'parsed').toBe(out.body !== null);
        if (bytes.length === 0) expect(out.bodyState).toBe('none');
      }),
      RUNS,
    );
  });

  it('never throws on any JSON value; only an object can parse', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const out = classifyBody(facts, Buffer.from(JSON.stringify(value)));
        expect(STATES).toContain(out.bodyState);
        if (!isObject(value)) expect(out.bodyState).toBe('unreadable');
      }),
      RUNS,
    );
  });

  it('reports exactly what the JSON says, or refuses it when a field has the wrong type', () => {
    fc.assert(
      fc.property(hostileObject, (obj) => {
        const text = JSON.stringify(obj);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const body = readBody(Buffer.from(text));
        const store = parsed['store'];
        const tools = parsed['tools'];
        const wrongType =
          (store !== undefined && store !== null && typeof store !== 'boolean') ||
          (tools !== undefined && tools !== null && !Array.isArray(tools));
        if (wrongType) return void expect(body).toBeNull();
        expect(body).not.toBeNull();
        expect(body?.store).toBe(typeof store === 'boolean' ? store : null);
        expect(body?.model).toBe(typeof parsed['model'] === 'string' ? parsed['model'] : null);
        expect(body?.background).toBe(isSet(parsed['background']));
        expect(body?.previousResponseId).toBe(isSet(parsed['previous_response_id']));
        const types = ((tools ?? []) as unknown[])
          .filter(isObject)
          .map((t) => t['type'])
          .filter((t) => typeof t === 'string');
        expect(body?.toolTypes).toEqual(types);
      }),
      RUNS,
    );
  });

  it('never throws on deep nesting, with or without the fields beside it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom('[', '{"a":'),
        fc.boolean(),
        fc.boolean(),
        (depth, open, closed, wrapped) => {
          const close = open === '[' ? ']' : '}';
          const inner = open.repeat(depth) + (open === '[' ? '' : '1') + (closed ? close.repeat(depth) : '');
          const text = wrapped ? `{"model":"m","store":true,"x":${inner}}` : inner;
          const out = classifyBody(facts, Buffer.from(text));
          expect(STATES).toContain(out.bodyState);
          if (!closed) expect(out.bodyState).toBe('unreadable');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws on valid bodies with random bytes flipped', () => {
    fc.assert(
      fc.property(
        hostileObject,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (obj, edits) => {
          const bytes = Buffer.from(JSON.stringify(obj));
          for (const [at, v] of edits) if (bytes.length > 0) bytes[at % bytes.length] = v;
          expect(STATES).toContain(classifyBody(facts, bytes).bodyState);
        },
      ),
      RUNS,
    );
  });

  // Finding 3 in docs/hostile-input.md: fails until it is fixed.
  // JSON.parse of 8 million nested brackets (a 16 MiB body, the default inspection cap) blocks the
  // event loop for about 8 s on this machine, for every client of the proxy. The provider refuses
  // such bodies anyway (Python's json stops near 1,000 levels), so refusing them costs nothing.
  it('refuses JSON nested deeper than a provider accepts, before parsing it (event-loop DoS)', () => {
    const nested = (depth: number) => `{"model":"m","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    expect(classifyBody(facts, Buffer.from(nested(100))).bodyState).toBe('parsed');
    expect(classifyBody(facts, Buffer.from(nested(5_000))).bodyState).toBe('unreadable');
  });

  it('reads "__proto__" as an ordinary key, never as the prototype', () => {
    const body = readBody(Buffer.from('{"__proto__":{"store":true,"background":true},"model":"m"}'));
    expect(body?.store).toBeNull();
    expect(body?.background).toBe(false);
  });

  it('reads a repeated key as its last value (what JSON.parse keeps), or refuses the body', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 2, maxLength: 5 }), (values) => {
        const text = `{${values.map((v) => `"store":${v}`).join(',')}}`;
        const body = readBody(Buffer.from(text));
        if (body !== null) expect(body.store).toBe(values.at(-1));
      }),
      { numRuns: 100 },
    );
  });

  it('marks a body over the cap too_large whatever the facts said before', () => {
    expect(classifyBody(facts, 'too_large')).toMatchObject({ bodyState: 'too_large', body: null });
  });
});
