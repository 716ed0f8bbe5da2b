import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../../src/proxy/headers.js';

describe('upstreamRequestHeaders', () => {
  it('drops hop-by-hop headers and the ones Connection names, keeps the rest in order', () => {
    const raw = [
      'Host',
      'api.openai.com',
      'Connection',
      'keep-alive, X-Secret-Hop',
      'X-Secret-Hop',
      'v',
      'Authorization',
      'Bearer k',
      'Transfer-Encoding',
      'chunked',
      'Proxy-Authorization',
      'Basic x',
      'Content-Type',
      'application/json',
      'Expect',
      '100-continue',
    ];
    expect(upstreamRequestHeaders(raw, [])).toEqual([
      'Authorization',
      'Bearer k',
      'Content-Type',
      'application/json',
    ]);
  });

  it('drops HTTP/2 pseudo-headers', () => {
    expect(upstreamRequestHeaders([':method', 'POST', ':path', '/v1', 'accept', '*/*'], [])).toEqual([
      'accept',
      '*/*',
    ]);
  });

  it('overwrites tenant headers a client sent, numbered continuations included', () => {
    const raw = [
      'anthropic-allowed-org-ids',
      'evil-org',
      'Anthropic-Allowed-Org-Ids1',
      'more',
      'x-api-key',
      'k',
    ];
    expect(
      upstreamRequestHeaders(raw, [{ name: 'anthropic-allowed-org-ids', value: 'org-a,org-b' }]),
    ).toEqual(['x-api-key', 'k', 'anthropic-allowed-org-ids', 'org-a,org-b']);
  });
});

/** undici's raw response header list: [name, value, name, value, ...] as Buffers. */
const raw = (...pairs: [string, string][]): Buffer[] =>
  pairs.flatMap(([n, v]) => [Buffer.from(n, 'latin1'), Buffer.from(v, 'latin1')]);

describe('clientResponseHeaders', () => {
  it('drops hop-by-hop headers and Alt-Svc, adds the decision headers', () => {
    const out = clientResponseHeaders(
      raw(
        ['Content-Type', 'text/event-stream'],
        ['alt-svc', 'h3=":443"'],
        ['Connection', 'keep-alive'],
        ['transfer-encoding', 'chunked'],
        ['set-cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ),
      { action: 'allow', decisionId: 'id-1' },
    );
    expect(out).toEqual({
      'content-type': 'text/event-stream',
      'set-cookie': ['a=1', 'b=2'],
      'x-zdr-egress-decision': 'allow',
      'x-zdr-egress-decision-id': 'id-1',
    });
  });

  it("drops an upstream's own x-zdr-egress-* headers: only the proxy speaks for itself", () => {
    const out = clientResponseHeaders(
      raw(
        ['X-ZDR-Egress-Decision', 'allow'],
        ['x-zdr-egress-reason', 'forged'],
        ['a', '1'],
        ['a', '2'],
        ['a', '3'],
      ),
      { action: 'report', decisionId: 'id-2' },
    );
    expect(out).toEqual({
      a: ['1', '2', '3'],
      'x-zdr-egress-decision': 'report',
      'x-zdr-egress-decision-id': 'id-2',
    });
  });

  it('adds nothing of ours for plain HTTP (no stamp), and passes value bytes unchanged', () => {
    const value = Buffer.from([0x66, 0xe9, 0xff, 0x20, 0x22]);
    const out = clientResponseHeaders([Buffer.from('x-odd'), value], null);
    expect(Object.keys(out)).toEqual(['x-odd']);
    expect(Buffer.from(out['x-odd'] as string, 'latin1')).toEqual(value);
  });
});
