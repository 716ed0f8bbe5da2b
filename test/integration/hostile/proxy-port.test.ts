// Hostile bytes on the proxy port itself: garbage, broken CONNECT lines, request-smuggling shapes
// on plain-HTTP forwarding, header floods. Every case must get a 4xx or a clean close, nothing may
// reach an upstream, no answer may quote the input, and the proxy keeps serving afterwards.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { captureClientHello } from '../../helpers/client-hello.js';
import { SMUGGLING_SHAPES } from './shapes.js';
import {
  KEY,
  MARKER,
  exchange,
  expectCleanRefusal,
  rawProxySocket,
  useRig,
  type Payload,
  type Rig,
} from './rig.js';

let rig: Rig;

useRig((r) => (rig = r));

/** Nothing reached an upstream at all. */
function expectNothingForwarded(): void {
  expect(rig.seen()).toEqual([]);
}

async function send(payload: Payload, halfClose = false) {
  return exchange(await rawProxySocket(rig), payload, { halfClose });
}

describe('garbage on the proxy port', () => {
  const cases: [string, () => Promise<Payload>, boolean][] = [
    ['4 KiB of random bytes', async () => randomBytes(4096), true],
    ['a TLS ClientHello sent without CONNECT', () => captureClientHello('api.openai.com'), true],
    ['the HTTP/2 connection preface', async () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', true],
    ['an SSH banner', async () => `SSH-2.0-OpenSSH_9.6 ${MARKER}\r\n`, true],
    ['NUL bytes', async () => Buffer.alloc(512), true],
    ['a request line cut short, then EOF', async () => `GET http://www.example.test/${MARKER}`, true],
    ['64 KiB without a line break', async () => 'A'.repeat(64 * 1024), false],
    ['a lone method and a thousand blank lines', async () => `GET\r\n${'\r\n'.repeat(1000)}`, true],
    [
      'an origin-form request (not a proxy request)',
      async () => `GET /${MARKER} HTTP/1.1\r\nhost: x\r\n\r\n`,
      false,
    ],
    [
      'an unknown method',
      async () => `BREW http://www.example.test/${MARKER} HTTP/1.1\r\nhost: x\r\n\r\n`,
      false,
    ],
    [
      'HTTP/3.1 in the request line',
      async () => `GET http://www.example.test/ HTTP/3.1\r\nhost: x\r\n\r\n`,
      false,
    ],
  ];
  it.each(cases)('answers %s with a 4xx or a clean close', async (_name, make, halfClose) => {
    expectCleanRefusal(await send(await make(), halfClose));
    expectNothingForwarded();
  });
});

describe('invalid CONNECT lines', () => {
  const lines: [string, string][] = [
    ['no port', 'CONNECT api.openai.com HTTP/1.1'],
    ['port 0', 'CONNECT api.openai.com:0 HTTP/1.1'],
    ['port 65536', 'CONNECT api.openai.com:65536 HTTP/1.1'],
    ['a negative port', 'CONNECT api.openai.com:-443 HTTP/1.1'],
    ['a port with letters', 'CONNECT api.openai.com:443a HTTP/1.1'],
    ['a port with a sign', 'CONNECT api.openai.com:+443 HTTP/1.1'],
    ['two ports', 'CONNECT api.openai.com:443:1 HTTP/1.1'],
    ['a space before the port', 'CONNECT api.openai.com :443 HTTP/1.1'],
    ['a space inside the host', 'CONNECT api.open ai.com:443 HTTP/1.1'],
    ['an absolute URL', 'CONNECT https://api.openai.com:443/ HTTP/1.1'],
    ['an absolute URL without port', 'CONNECT http://api.openai.com HTTP/1.1'],
    ['a path after the port', 'CONNECT api.openai.com:443/v1 HTTP/1.1'],
    ['userinfo', `CONNECT ${MARKER}@api.openai.com:443 HTTP/1.1`],
    ['a percent-encoded host', 'CONNECT api%2eopenai.com:443 HTTP/1.1'],
    ['an empty host', 'CONNECT :443 HTTP/1.1'],
    ['an empty authority', 'CONNECT  HTTP/1.1'],
    ['an unclosed IPv6 bracket', 'CONNECT [::1 HTTP/1.1'],
    ['an unclosed IPv6 bracket with port', 'CONNECT [::1:443 HTTP/1.1'],
    ['junk after the IPv6 bracket', 'CONNECT [::1]x:443 HTTP/1.1'],
    ['bare IPv6 without brackets', 'CONNECT ::1:443 HTTP/1.1'],
    ['nested brackets', 'CONNECT [[::1]]:443 HTTP/1.1'],
    ['a 300-character host', `CONNECT ${'a'.repeat(300)}.com:443 HTTP/1.1`],
    ['an empty label', 'CONNECT api..openai.com:443 HTTP/1.1'],
    ['a 20 KiB authority', `CONNECT ${'a'.repeat(20 * 1024)}:443 HTTP/1.1`],
    ['a NUL in the host', 'CONNECT api.openai.com\0.evil:443 HTTP/1.1'],
    ['a NUL in the port', 'CONNECT api.openai.com:4\x0043 HTTP/1.1'],
    ['a tab in the host', 'CONNECT api.openai\t.com:443 HTTP/1.1'],
    ['a backslash', 'CONNECT api.openai.com\\@evil.test:443 HTTP/1.1'],
    ['an ideographic full stop', 'CONNECT api\u3002openai.com:443 HTTP/1.1'],
    ['a lower-case method', 'connect api.openai.com:443 HTTP/1.1'],
  ];
  it.each(lines)('refuses a CONNECT with %s', async (_name, line) => {
    const reply = await send(Buffer.from(`${line}\r\nhost: x\r\n\r\n`, 'utf8'), true);
    expectCleanRefusal(reply);
    expect(reply.text).not.toContain('200 Connection Established');
    expectNothingForwarded();
  });

  it('refuses a CONNECT with invalid UTF-8 in the host', async () => {
    const line = Buffer.concat([
      Buffer.from('CONNECT api.'),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      Buffer.from('.com:443 HTTP/1.1\r\nhost: x\r\n\r\n'),
    ]);
    expectCleanRefusal(await send(line, true));
  });
});

// Plain-HTTP forwarding goes two ways: a named host through the pipeline, any other host straight
// through forwardPlain. Both must refuse what llhttp refuses (see shapes.ts for head and body flaws).
describe.each([
  ['a named host (pipeline)', 'http://api.openai.com/v1/chat/completions'],
  ['an unnamed host (plain forwarding)', `http://www.example.test/${MARKER}`],
])('request smuggling shapes on the proxy port, to %s', (_where, target) => {
  const head = `POST ${target} HTTP/1.1\r\nhost: ${new URL(target).host}\r\nauthorization: Bearer ${KEY}\r\ncontent-type: application/json\r\n`;
  const body = `{"model":"gpt-4.1","messages":[],"x":"${MARKER}"}`;
  it.each(SMUGGLING_SHAPES(body))('answers 400 to %s (a flaw in the %s)', async (_name, phase, rest) => {
    const reply = await send(Buffer.from(head + rest, 'latin1'));
    expectCleanRefusal(reply);
    expect(reply.status).toBe(400);
    if (phase === 'head') expectNothingForwarded();
    else expect(rig.seen().filter((s) => s.complete)).toEqual([]);
  });
});

describe('other malformed plain-HTTP requests', () => {
  it('answers 400 to a space, a NUL or invalid UTF-8 in the request target', async () => {
    for (const target of [
      `http://www.example.test/a b${MARKER}`,
      `http://www.example.test/a\0${MARKER}`,
      `http://www.example.test/\xff\xfe\xc3(${MARKER}`,
      `http://www.example.test/\t${MARKER}`,
    ]) {
      const reply = await send(
        Buffer.from(`GET ${target} HTTP/1.1\r\nhost: www.example.test\r\n\r\n`, 'latin1'),
      );
      expectCleanRefusal(reply);
      expect(reply.status).toBe(400);
    }
    expectNothingForwarded();
  });

  it('answers 400 to an absolute URL whose authority is not a host', async () => {
    for (const target of [
      `http://${MARKER}@www.example.test/`,
      'http://www.example.test:99999/',
      'http://www.example.test:/',
      'http://[::1/',
      'http:///path',
      'http://www.example.test\\@evil.test/',
    ]) {
      const reply = await send(`GET ${target} HTTP/1.1\r\nhost: www.example.test\r\n\r\n`);
      expectCleanRefusal(reply);
    }
    expectNothingForwarded();
  });

  it('answers 400 to an HTTP/1.1 request without a Host header', async () => {
    const reply = await send('GET http://www.example.test/ HTTP/1.1\r\n\r\n');
    expectCleanRefusal(reply);
    expectNothingForwarded();
  });
});

describe('header floods', () => {
  const plain = (headers: string) =>
    `GET http://www.example.test/${MARKER} HTTP/1.1\r\nhost: www.example.test\r\n${headers}\r\n`;

  it('answers 431 to an oversized header block', async () => {
    const reply = await send(plain(`x-big: ${'a'.repeat(20 * 1024)}\r\n`));
    expectCleanRefusal(reply);
    expect(reply.status).toBe(431);
    expectNothingForwarded();
  });

  it('answers 431 to five thousand headers', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `x-h${i}: v\r\n`).join('');
    const reply = await send(plain(many));
    expectCleanRefusal(reply);
    expect(reply.status).toBe(431);
    expectNothingForwarded();
  });

  it('answers 431 to a request line longer than the header limit', async () => {
    const reply = await send(
      `GET http://www.example.test/${'a'.repeat(20 * 1024)} HTTP/1.1\r\nhost: x\r\n\r\n`,
    );
    expectCleanRefusal(reply);
    expect(reply.status).toBe(431);
    expectNothingForwarded();
  });
});
