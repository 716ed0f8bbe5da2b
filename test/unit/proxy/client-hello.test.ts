import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { peekClientHello } from '../../../src/proxy/client-hello.js';
import { captureClientHello } from '../../helpers/client-hello.js';

/** Re-frames one handshake message into records of at most `size` bytes (legal per RFC 8446 §5.1). */
function fragment(hello: Buffer, size: number): Buffer {
  const payload = hello.subarray(5);
  const records: Buffer[] = [];
  for (let i = 0; i < payload.length; i += size) {
    const part = payload.subarray(i, i + size);
    const header = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    header.writeUInt16BE(part.length, 3);
    records.push(header, part);
  }
  return Buffer.concat(records);
}

describe('peekClientHello', () => {
  let hello: Buffer;
  let noSni: Buffer;
  beforeAll(async () => {
    hello = await captureClientHello('api.openai.com');
    noSni = await captureClientHello(undefined);
  });

  it('reads the SNI of a real ClientHello', () => {
    expect(peekClientHello(hello)).toEqual({ kind: 'tls', sni: 'api.openai.com' });
  });

  it('reports a hello without SNI as TLS with no name', () => {
    expect(peekClientHello(noSni)).toEqual({ kind: 'tls', sni: null });
  });

  it('asks for more bytes while the hello is truncated', () => {
    for (const n of [0, 1, 4, 5, 40, hello.length - 1]) {
      expect(peekClientHello(hello.subarray(0, n)).kind).toBe('incomplete');
    }
  });

  it('joins a hello fragmented over several records', () => {
    expect(peekClientHello(fragment(hello, 7))).toEqual({ kind: 'tls', sni: 'api.openai.com' });
    expect(peekClientHello(fragment(hello, 100)).kind).toBe('tls');
    expect(peekClientHello(fragment(hello, 100).subarray(0, 120)).kind).toBe('incomplete');
  });

  it('tells plain HTTP and other protocols from TLS', () => {
    expect(peekClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ kind: 'not_tls' });
    expect(peekClientHello(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'))).toEqual({ kind: 'not_tls' });
  });

  it('rejects a handshake record that is not a ClientHello', () => {
    const serverHello = Buffer.from(hello);
    serverHello[5] = 0x02;
    expect(peekClientHello(serverHello)).toEqual({ kind: 'invalid' });
  });

  it('rejects an SNI with bytes outside printable ASCII', () => {
    const bad = Buffer.from(hello);
    const at = bad.indexOf('api.openai.com');
    bad[at + 3] = 0x00;
    expect(peekClientHello(bad)).toEqual({ kind: 'invalid' });
  });

  it('never throws on arbitrary bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const withHeader = Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), Buffer.from(bytes)]);
        expect(['tls', 'incomplete', 'not_tls', 'invalid']).toContain(peekClientHello(withHeader).kind);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on a real hello with corrupted bytes (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (edits) => {
          const mutated = Buffer.from(hello);
          for (const [at, value] of edits) mutated[5 + (at % (mutated.length - 5))] = value;
          const result = peekClientHello(mutated);
          if (result.kind === 'tls' && result.sni !== null) expect(result.sni).toMatch(/^[\x21-\x7e]+$/);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
