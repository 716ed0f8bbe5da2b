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

describe('clientResponseHeaders', () => {
  it('drops hop-by-hop headers and Alt-Svc, adds the decision headers', () => {
    const out = clientResponseHeaders(
      {
        'content-type': 'text/event-stream',
        'alt-svc': 'h3=":443"',
        connection: 'keep-alive',
        'transfer-encoding': 'chunked',
        'set-cookie': ['a=1', 'b=2'],
      },
      'allow',
      'id-1',
    );
    expect(out).toEqual({
      'content-type': 'text/event-stream',
      'set-cookie': ['a=1', 'b=2'],
      'x-zdr-egress-decision': 'allow',
      'x-zdr-egress-decision-id': 'id-1',
    });
  });
});
