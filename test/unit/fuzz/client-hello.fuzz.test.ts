// Structured fuzzing of peekClientHello: ClientHellos built field by field with random extension
// lists, server_name entries and record framing, checked against an independent oracle of what the
// parser must answer (the SNI of the first host_name entry, or invalid).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CLIENT_HELLO, peekClientHello } from '../../../src/proxy/client-hello.js';
import {
  clientHello,
  clientHelloMessage,
  frame,
  serverNameExtension,
  type HelloExtension,
} from './client-hello-builder.js';

const RUNS = { numRuns: 1500 };

/** A host_name value: usually a plausible name, sometimes any bytes (NUL, spaces, high bytes). */
const nameBytes = fc.oneof(
  fc.domain().map((d) => Uint8Array.from(Buffer.from(d, 'latin1'))),
  fc.uint8Array({ minLength: 0, maxLength: 300 }),
  fc.stringMatching(/^[\x21-\x7e]{1,40}$/).map((s) => Uint8Array.from(Buffer.from(s, 'latin1'))),
);

const entry = fc.record({
  type: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
  name: nameBytes,
});

/** Any extension but server_name (type 0). */
const otherExtension: fc.Arbitrary<HelloExtension> = fc.record({
  type: fc.integer({ min: 1, max: 0xffff }),
  data: fc.uint8Array({ maxLength: 64 }),
});

const helloShape = fc.record({
  before: fc.array(otherExtension, { maxLength: 6 }),
  sni: fc.option(fc.array(entry, { minLength: 0, maxLength: 3 }), { nil: null }),
  after: fc.array(otherExtension, { maxLength: 6 }),
  sessionId: fc.uint8Array({ maxLength: 32 }),
  recordSize: fc.integer({ min: 1, max: 16384 }),
});

/** What RFC 6066 and the parser's contract say the answer must be. */
function oracle(sni: Shape['sni']): { kind: string; sni?: string | null } {
  if (sni === null) return { kind: 'tls', sni: null };
  const first = sni.find((e) => e.type === 0);
  if (first === undefined) return { kind: 'tls', sni: null };
  const n = first.name;
  if (n.length === 0 || n.length > 255 || n.some((c) => c < 0x21 || c > 0x7e)) return { kind: 'invalid' };
  return { kind: 'tls', sni: Buffer.from(n).toString('latin1') };
}

type Shape = typeof helloShape extends fc.Arbitrary<infer T> ? T : never;

function build(s: Shape): { s: Shape; message: Buffer } {
  const extensions = [...s.before, ...(s.sni === null ? [] : [serverNameExtension(s.sni)]), ...s.after];
  return { s, message: clientHelloMessage({ sessionId: s.sessionId, extensions }) };
}

describe('peekClientHello on structured ClientHellos (fuzz)', () => {
  it('reads the first host_name of any well-formed hello, however it is framed', () => {
    fc.assert(
      fc.property(helloShape, (shape) => {
        const { s, message } = build(shape);
        fc.pre(message.length <= MAX_CLIENT_HELLO);
        expect(peekClientHello(frame(message, s.recordSize))).toEqual(oracle(s.sni));
      }),
      RUNS,
    );
  });

  it('asks for more bytes at every truncation of a well-formed hello', () => {
    fc.assert(
      fc.property(helloShape, fc.double({ min: 0, max: 1, noNaN: true }), (shape, where) => {
        const { s, message } = build(shape);
        const bytes = frame(message, s.recordSize);
        const cut = Math.floor(where * (bytes.length - 1));
        expect(peekClientHello(bytes.subarray(0, cut)).kind).toBe('incomplete');
      }),
      RUNS,
    );
  });

  it('ignores bytes after the hello (the rest of the first flight)', () => {
    fc.assert(
      fc.property(helloShape, fc.uint8Array({ maxLength: 200 }), (shape, tail) => {
        const { s, message } = build(shape);
        const bytes = Buffer.concat([frame(message, s.recordSize), tail]);
        expect(peekClientHello(bytes)).toEqual(oracle(s.sni));
      }),
      RUNS,
    );
  });

  it('never throws, and only ever returns printable ASCII as an SNI, when any length field lies', () => {
    fc.assert(
      fc.property(
        helloShape,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (shape, edits) => {
          const { s, message } = build(shape);
          const bytes = frame(message, s.recordSize);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const result = peekClientHello(bytes);
          expect(['tls', 'incomplete', 'not_tls', 'invalid']).toContain(result.kind);
          if (result.kind === 'tls' && result.sni !== null) {
            expect(result.sni).toMatch(/^[\x21-\x7e]{1,255}$/);
          }
        },
      ),
      RUNS,
    );
  });

  it('refuses hellos that claim more than the cap, without waiting for the bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_CLIENT_HELLO - 3, max: 0xffffff }), (length) => {
        const head = Buffer.from([
          0x01,
          (length >> 16) & 0xff,
          (length >> 8) & 0xff,
          length & 0xff,
          0x03,
          0x03,
        ]);
        expect(peekClientHello(frame(head))).toEqual({ kind: 'invalid' });
      }),
      { numRuns: 300 },
    );
  });

  it('reads a hello with no extensions block at all as TLS without SNI', () => {
    expect(peekClientHello(clientHello({ noExtensions: true }))).toEqual({ kind: 'tls', sni: null });
  });
});
