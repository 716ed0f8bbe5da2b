import { describe, expect, it } from 'vitest';
import { errorsOf } from './helpers.js';

const provider = (hostLine: string, extra = ''): string => `version: 1
providers:
  - id: acme
    name: Acme AI
    zdr: offered
    source: fixture
    hosts:
      - ${hostLine}
    credentials:
      sources: [{ header: x-api-key }]
    endpoints:
      - { id: acme.chat, methods: [POST], path: /v1/chat, zdr: eligible, source: fixture }
${extra}`;

describe('schema messages say what is wrong and how to fix it', () => {
  it.each([
    [
      'a wrong type',
      provider('{ names: api.acme.test, surface: api, source: f }'),
      'p.yaml:8: providers[0].hosts[0].names: expected a list, found "api.acme.test"',
    ],
    [
      'an empty list',
      provider('{ names: [], surface: api, source: f }'),
      'p.yaml:8: providers[0].hosts[0].names: list at least 1 entry',
    ],
    [
      'an empty string',
      provider("{ names: [api.acme.test], surface: api, source: '' }"),
      'p.yaml:8: providers[0].hosts[0].source: must not be empty',
    ],
    [
      'a credential source of no known form',
      provider('{ names: [api.acme.test], surface: api, source: f }').replace(
        '{ header: x-api-key }',
        '{ cookie: session }',
      ),
      "p.yaml:10: providers[0].credentials.sources[0]: does not match any allowed form; see docs/policy.md for the forms of 'sources'",
    ],
    [
      'an unknown key inside a typed rule',
      provider(
        '{ names: [api.acme.test], surface: api, source: f }',
        '    rules:\n      - { id: acme.t, type: tool, tool: [x], source: f }\n',
      ),
      "p.yaml:14: providers[0].rules[0]: unknown key 'tool'; did you mean 'tools'? allowed keys: type, tools, id, name, reason, endpoints, mode, enabled, source, explanation, remedy",
    ],
    [
      'a body field that only supports is: true',
      provider(
        '{ names: [api.acme.test], surface: api, source: f }',
        '    rules:\n      - { id: acme.b, type: body_field, field: background, is: absent, source: f }\n',
      ),
      "p.yaml:14: rule 'acme.b': field 'background' only supports is: true",
    ],
    [
      'a rule naming a retaining endpoint',
      provider(
        '{ names: [api.acme.test], surface: api, source: f }',
        '    rules:\n      - { id: acme.b, type: beta, values: [x-*], endpoints: [acme.nope], source: f }\n',
      ),
      "p.yaml:14: rule 'acme.b' names 'acme.nope', which is not an eligible endpoint of acme; use one of: acme.chat",
    ],
    [
      'a body rule without an inspected endpoint',
      provider(
        '{ names: [api.acme.test], surface: api, source: f }',
        '    rules:\n      - { id: acme.s, type: body_field, field: store, is: true, source: f }\n',
      ),
      "p.yaml:14: rule 'acme.s' applies to no endpoint: no eligible endpoint of acme sets inspect_body: true",
    ],
    [
      'a consumer-only provider with an API host',
      provider('{ names: [api.acme.test], surface: api, source: f }').replace(
        'zdr: offered',
        'zdr: consumer_only',
      ),
      'p.yaml:8: hosts api.acme.test: provider acme is consumer_only, so it has no API hosts; use surface consumer, or set zdr: offered',
    ],
    [
      'a reason on an API host',
      provider('{ names: [api.acme.test], surface: api, reason: host_blocked, source: f }'),
      'p.yaml:8: hosts api.acme.test: reason and action apply to blocked hosts; remove them or set access: block',
    ],
    [
      'a refused host with access',
      provider('{ names: [api.acme.test], surface: api, handling: refuse, access: api, source: f }'),
      'p.yaml:8: hosts api.acme.test: a refused host is never decrypted; remove access',
    ],
    [
      'a duplicate key prefix',
      provider('{ names: [api.acme.test], surface: api, source: f }').replace(
        '      sources: [{ header: x-api-key }]',
        '      sources: [{ header: x-api-key }]\n      kinds: [{ prefix: a-, kind: a, source: f }, { prefix: a-, kind: b, source: f }]',
      ),
      "p.yaml:11: key prefix 'a-' is listed twice for acme; keep one",
    ],
    [
      'an override of an eligible endpoint mode',
      provider(
        '{ names: [api.acme.test], surface: api, source: f }',
        'settings:\n  overrides:\n    acme.chat: { mode: report }\n',
      ),
      "p.yaml:15: settings.overrides.acme.chat: 'acme.chat' is an eligible endpoint (an allow rule); only enabled applies",
    ],
    [
      'an action override on an endpoint',
      provider(
        '{ names: [api.acme.test], surface: api, source: f }',
        'settings:\n  overrides:\n    builtin.oauth_token: { mode: report }\n    acme.chat: { action: warn }\n',
      ),
      'p.yaml:16: settings.overrides.acme.chat: action applies to host and path rules only (browser surfaces)',
    ],
    [
      'a non-map file',
      'just a string\n',
      'p.yaml:1: the file: expected a map of keys, found "just a string"',
    ],
  ])('%s', (_name, text, message) => {
    expect(errorsOf({ 'p.yaml': text })).toContain(message);
  });

  it('reports the same credential approved twice', () => {
    const fp = 'a'.repeat(64);
    const text = provider(
      '{ names: [api.acme.test], surface: api, source: f }',
      `credentials:\n  - { provider: acme, fingerprint: ${fp}, label: one }\n  - { provider: acme, fingerprint: ${fp}, label: two }\n`,
    );
    expect(errorsOf({ 'p.yaml': text })).toEqual([
      'p.yaml:15: credentials[1]: fingerprint aaaaaaaaaaaa... is already approved for acme; remove the duplicate',
    ]);
  });
});
