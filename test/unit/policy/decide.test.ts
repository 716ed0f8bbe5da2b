import { describe, expect, it } from 'vitest';
import { decide, decideConnect, fixedDecision, needsBody } from '../../../src/policy/decide.js';
import { buildPolicy } from '../../../src/policy/build.js';
import { loadPolicyDir, readPolicySources } from '../../../src/policy/load.js';
import type { CompiledPolicy } from '../../../src/policy/types.js';
import type { Mode } from '../../../src/domain/decision.js';
import { REASON_CODES } from '../../../src/domain/reason.js';
import { facts, type FactsInput } from './helpers.js';

const DIR = 'test/fixtures/policies/acme';

function load(mode?: Mode): CompiledPolicy {
  const r = loadPolicyDir(DIR, mode === undefined ? {} : { mode });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

/** The fixture with the tenant header switched on (allow_consumer and allow_oauth_tokens). */
function withTenants(mode?: Mode): CompiledPolicy {
  const read = readPolicySources(DIR);
  if (!read.ok) throw new Error('fixture unreadable');
  const overlay = `version: 1
tenants:
  acme-allowed-org:
    ids: [org-1, org-2]
    allow_consumer: true
    allow_oauth_tokens: true
`;
  const r = buildPolicy(
    [...read.sources, { file: 'overlay', name: 'overlay', text: overlay, overlay: true }],
    mode === undefined ? {} : { mode },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

const enforce = load();
const report = load('report');
const tenants = withTenants();
const tenantsReport = withTenants('report');

const GOOD = { key: 'acme-key-good', kind: 'acme_key' };
const chat = (extra: Partial<FactsInput> = {}): FactsInput => ({
  host: 'api.acme.test',
  path: '/v1/chat',
  ...GOOD,
  ...extra,
});

type Row = [
  name: string,
  input: FactsInput,
  action: string,
  reason: string,
  ruleId: string,
  policy?: CompiledPolicy,
];

const rows: Row[] = [
  // 1 port
  [
    'a port outside allowed_ports is blocked',
    { host: 'api.acme.test', port: 8443 },
    'block',
    'port_not_allowed',
    'builtin.port_not_allowed',
  ],
  // 2 host outside the catalog
  [
    'a host outside the catalog is allowed',
    { host: 'example.com' },
    'allow',
    'allowed',
    'builtin.unlisted_host',
  ],
  // 3 path rules
  [
    'an allowing path rule lets a blocked host through',
    { host: 'chat.acme.test', path: '/help/faq', method: 'GET' },
    'allow',
    'allowed',
    'acme.chat_help',
  ],
  [
    'a report-mode path rule is outranked by the enforced host rule',
    { host: 'chat.acme.test', path: '/trial/x' },
    'block',
    'consumer_surface',
    'acme.chat.acme.test',
  ],
  [
    'a report-mode path rule on an allowed host reports',
    { host: 'www.acme.test', path: '/trial/x' },
    'report',
    'host_blocked',
    'acme.www_trial',
  ],
  // 4 host access
  [
    'a consumer host is blocked',
    { host: 'chat.acme.test', path: '/' },
    'block',
    'consumer_surface',
    'acme.chat.acme.test',
  ],
  [
    'a console host is blocked',
    { host: 'console.acme.test' },
    'block',
    'console_surface',
    'acme.console.acme.test',
  ],
  [
    'a refused (pinned) host reached by a request is connect_refused',
    { host: 'app.acme.test' },
    'block',
    'connect_refused',
    'acme.app.acme.test',
  ],
  [
    'an API host marked access: block is host_blocked',
    { host: 'blocked-api.acme.test' },
    'block',
    'host_blocked',
    'acme.blocked-api.acme.test',
  ],
  [
    'a wildcard auxiliary host is blocked',
    { host: 'a.b.cdn.acme.test' },
    'block',
    'consumer_surface',
    'acme.*.cdn.acme.test',
  ],
  [
    'a provider without ZDR is blocked',
    { host: 'api.nozdr.test' },
    'block',
    'provider_not_zdr',
    'nozdr.api.nozdr.test',
  ],
  ['an allowed host is allowed', { host: 'www.acme.test' }, 'allow', 'allowed', 'acme.www.acme.test'],
  [
    'a host rule disabled by an override allows the host',
    { host: 'disabled.acme.test' },
    'allow',
    'allowed',
    'acme.disabled.acme.test',
  ],
  [
    'a host rule in report mode reports',
    { host: 'trial.acme.test' },
    'report',
    'consumer_surface',
    'acme.trial.acme.test',
  ],
  [
    'a host rule with action warn warns',
    { host: 'coach.acme.test' },
    'warn',
    'consumer_surface',
    'acme.coach.acme.test',
  ],
  // 5 endpoints
  [
    'a data-retaining endpoint is blocked whatever the key',
    { host: 'api.acme.test', path: '/v1/files/abc', ...GOOD },
    'block',
    'data_retaining_endpoint',
    'acme.files',
  ],
  [
    'an endpoint not on the allow-list is unknown',
    { host: 'api.acme.test', path: '/v1/other', ...GOOD },
    'block',
    'unknown_endpoint',
    'builtin.unknown_endpoint',
  ],
  [
    'a method not listed for the endpoint is unknown',
    { host: 'api.acme.test', path: '/v1/chat', method: 'GET', ...GOOD },
    'block',
    'unknown_endpoint',
    'builtin.unknown_endpoint',
  ],
  [
    'a trailing slash does not match an exact endpoint',
    { host: 'api.acme.test', path: '/v1/chat/', ...GOOD },
    'block',
    'unknown_endpoint',
    'builtin.unknown_endpoint',
  ],
  [
    'a websocket endpoint needs the upgrade',
    { host: 'api.acme.test', path: '/v1/live', method: 'GET', ...GOOD },
    'block',
    'unknown_endpoint',
    'builtin.unknown_endpoint',
  ],
  [
    'a websocket upgrade reaches the websocket endpoint',
    { host: 'api.acme.test', path: '/v1/live', method: 'GET', websocket: true, ...GOOD },
    'allow',
    'allowed',
    'acme.live',
  ],
  [
    'a placeholder path matches one segment',
    { host: 'api.acme.test', path: '/v1/items/42', method: 'GET', ...GOOD },
    'allow',
    'allowed',
    'acme.items',
  ],
  [
    'a report-mode retaining endpoint reports when the key is good',
    { host: 'api.acme.test', path: '/v1/store/x', ...GOOD },
    'report',
    'data_retaining_endpoint',
    'acme.trial_store',
  ],
  [
    'a report-mode retaining endpoint does not hide an enforced credential block',
    { host: 'api.acme.test', path: '/v1/store/x', key: null },
    'block',
    'missing_credential',
    'builtin.missing_credential',
  ],
  // 6 credentials
  [
    'no credential is missing_credential',
    chat({ key: null }),
    'block',
    'missing_credential',
    'builtin.missing_credential',
  ],
  [
    'an unapproved key is unapproved_credential',
    chat({ key: 'acme-key-other' }),
    'block',
    'unapproved_credential',
    'builtin.unapproved_credential',
  ],
  [
    'an OAuth token is oauth_token',
    chat({ key: 'acme-oat-x', kind: 'acme_oauth' }),
    'block',
    'oauth_token',
    'builtin.oauth_token',
  ],
  [
    'a provider with no approvals at all rejects every key',
    { host: 'api.plain.test', path: '/v1/chat', key: 'k' },
    'block',
    'unapproved_credential',
    'builtin.unapproved_credential',
  ],
  [
    'an approved key on an endpoint without body rules is allowed',
    { host: 'api.acme.test', path: '/v1/embed', ...GOOD, bodyState: 'not_inspected' },
    'allow',
    'allowed',
    'acme.embed',
  ],
  // 7 header rules
  [
    'a retaining beta value is blocked',
    chat({ betas: ['other', 'files-2025'] }),
    'block',
    'retaining_beta',
    'acme.beta',
  ],
  // 8 body
  ['no body passes the body step', chat(), 'allow', 'allowed', 'acme.chat'],
  [
    'a body above the cap is body_too_large',
    chat({ bodyState: 'too_large' }),
    'block',
    'body_too_large',
    'builtin.body_too_large',
  ],
  [
    'a body that is not JSON is body_unreadable',
    chat({ bodyState: 'unreadable' }),
    'block',
    'body_unreadable',
    'builtin.body_unreadable',
  ],
  [
    'a body never inspected fails closed',
    chat({ bodyState: 'not_inspected' }),
    'block',
    'body_unreadable',
    'builtin.body_not_inspected',
  ],
  [
    'parsed state without body facts fails closed',
    chat({ bodyState: 'parsed', body: null }),
    'block',
    'body_unreadable',
    'builtin.body_unreadable',
  ],
  [
    'store: true is retaining_feature',
    chat({ body: { store: true } }),
    'block',
    'retaining_feature',
    'acme.store',
  ],
  ['store: false passes', chat({ body: { store: false } }), 'allow', 'allowed', 'acme.chat'],
  [
    'a retaining tool is retaining_tool',
    chat({ body: { toolTypes: ['function', 'exec_20250101'] } }),
    'block',
    'retaining_tool',
    'acme.exec',
  ],
  [
    'an allowed_callers entry naming a retaining tool is retaining_tool',
    chat({ body: { allowedCallers: ['exec_1'] } }),
    'block',
    'retaining_tool',
    'acme.callers',
  ],
  [
    'a retaining model is retaining_feature',
    chat({ body: { model: 'retain-1' } }),
    'block',
    'retaining_feature',
    'acme.model',
  ],
  [
    'a report-mode tool reports when nothing else blocks',
    chat({ body: { toolTypes: ['trial'] } }),
    'report',
    'retaining_tool',
    'acme.trial_tool',
  ],
  [
    'a report-mode tool does not hide an enforced tool',
    chat({ body: { toolTypes: ['trial', 'exec_x'] } }),
    'block',
    'retaining_tool',
    'acme.exec',
  ],
  [
    'a clean parsed body is allowed',
    chat({ body: { model: 'm', toolTypes: ['function'] } }),
    'allow',
    'allowed',
    'acme.chat',
  ],
  // global report mode
  [
    'report mode reports a blocked consumer host',
    { host: 'chat.acme.test' },
    'report',
    'consumer_surface',
    'acme.chat.acme.test',
    report,
  ],
  [
    'report mode reports the first would-be block on an unknown endpoint',
    { host: 'api.acme.test', path: '/v1/other', key: null },
    'report',
    'unknown_endpoint',
    'builtin.unknown_endpoint',
    report,
  ],
  [
    'report mode turns warn into report',
    { host: 'coach.acme.test' },
    'report',
    'consumer_surface',
    'acme.coach.acme.test',
    report,
  ],
  [
    'report mode reports the port',
    { host: 'www.acme.test', port: 80 },
    'report',
    'port_not_allowed',
    'builtin.port_not_allowed',
    report,
  ],
  [
    'report mode reports a retaining endpoint',
    { host: 'api.acme.test', path: '/v1/files/x', ...GOOD },
    'report',
    'data_retaining_endpoint',
    'acme.files',
    report,
  ],
  // tenant restriction
  [
    'with tenants, an OAuth token passes on a tenant API host',
    chat({ key: 'acme-oat-x', kind: 'acme_oauth' }),
    'allow',
    'allowed',
    'acme.chat',
    tenants,
  ],
  [
    'with tenants and allow_consumer, the consumer host is allowed',
    { host: 'chat.acme.test', path: '/' },
    'allow',
    'allowed',
    'acme.tenant',
    tenants,
  ],
  [
    'with tenants and allow_consumer, a companion host is allowed',
    { host: 'x.cdn.acme.test' },
    'allow',
    'allowed',
    'acme.tenant',
    tenants,
  ],
  [
    'with tenants, anonymous use is blocked',
    { host: 'chat.acme.test', path: '/anon/conversation' },
    'block',
    'anonymous_use',
    'acme.tenant.anonymous',
    tenants,
  ],
  [
    'with tenants, an unapproved key still fails',
    chat({ key: 'acme-key-other' }),
    'block',
    'unapproved_credential',
    'builtin.unapproved_credential',
    tenants,
  ],
];

describe('decide', () => {
  it.each(rows)('%s', (_name, input, action, reason, ruleId, policy = enforce) => {
    const d = decide(facts(input), policy);
    expect({ action: d.action, reason: d.reason, ruleId: d.ruleId }).toEqual({ action, reason, ruleId });
    expect(d.explanation.length).toBeGreaterThan(10);
  });

  it('injects the tenant header on allowed requests to the tenant hosts only', () => {
    expect(decide(facts(chat()), tenants).inject).toEqual([
      { name: 'acme-allowed-org', value: 'org-1,org-2' },
    ]);
    expect(decide(facts(chat()), enforce).inject).toEqual([]);
    expect(decide(facts({ host: 'x.cdn.acme.test' }), tenants).inject).toEqual([]);
  });

  it('keeps the tenant header on a report decision, and never on a block', () => {
    const reported = decide(facts(chat({ key: 'acme-key-other' })), tenantsReport);
    expect(reported).toMatchObject({ action: 'report', reason: 'unapproved_credential' });
    expect(reported.inject).toEqual([{ name: 'acme-allowed-org', value: 'org-1,org-2' }]);
    expect(decide(facts(chat({ key: 'acme-key-other' })), tenants).inject).toEqual([]);
  });

  it('returns the same precomputed decision object for the same rule', () => {
    expect(decide(facts(chat()), enforce)).toBe(decide(facts(chat()), enforce));
    expect(decide(facts({ host: 'chat.acme.test' }), enforce)).toBe(
      decide(facts({ host: 'chat.acme.test', path: '/x' }), enforce),
    );
  });
});

describe('needsBody', () => {
  it.each<[string, FactsInput, boolean]>([
    ['an eligible endpoint with body rules and a body', chat({ bodyState: 'not_inspected' }), true],
    ['a request without a body', chat({ bodyState: 'none' }), false],
    ['a host outside the catalog', { host: 'example.com', bodyState: 'not_inspected' }, false],
    ['a consumer host', { host: 'chat.acme.test', bodyState: 'not_inspected' }, false],
    ['an unknown endpoint', { host: 'api.acme.test', path: '/v1/x', bodyState: 'not_inspected' }, false],
    ['a retaining endpoint', { host: 'api.acme.test', path: '/v1/files', bodyState: 'not_inspected' }, false],
    [
      'an endpoint without body rules',
      { host: 'api.acme.test', path: '/v1/embed', bodyState: 'not_inspected' },
      false,
    ],
  ])('%s', (_name, input, expected) => {
    expect(needsBody(facts(input), enforce)).toBe(expected);
  });
});

describe('decideConnect', () => {
  it('tunnels a host outside the catalog', () => {
    expect(decideConnect('example.com', 443, enforce)).toEqual({ kind: 'tunnel' });
  });
  it('intercepts a catalog host', () => {
    const v = decideConnect('api.acme.test', 443, enforce);
    expect(v.kind).toBe('intercept');
    expect(v.kind === 'intercept' && v.entry.provider).toBe('acme');
  });
  it('refuses a pinned app with connect_refused', () => {
    const v = decideConnect('app.acme.test', 443, enforce);
    expect(v).toMatchObject({ kind: 'refuse', decision: { action: 'block', reason: 'connect_refused' } });
  });
  it('tunnels and reports a pinned app in report mode', () => {
    expect(decideConnect('app.acme.test', 443, report)).toMatchObject({
      kind: 'tunnel_reported',
      decision: { action: 'report', reason: 'connect_refused' },
    });
  });
  it('refuses a port outside allowed_ports, for any host', () => {
    expect(decideConnect('example.com', 22, enforce)).toMatchObject({
      kind: 'refuse',
      decision: { reason: 'port_not_allowed' },
    });
    expect(decideConnect('api.acme.test', 8443, enforce)).toMatchObject({
      kind: 'refuse',
      decision: { reason: 'port_not_allowed' },
    });
  });
  it('in report mode, tunnels and reports another host on a bad port but intercepts a catalog host', () => {
    expect(decideConnect('example.com', 22, report)).toMatchObject({
      kind: 'tunnel_reported',
      decision: { action: 'report', reason: 'port_not_allowed' },
    });
    expect(decideConnect('api.acme.test', 8443, report).kind).toBe('intercept');
  });
});

describe('fixedDecision', () => {
  it.each([
    'sni_mismatch',
    'host_mismatch',
    'internal_error',
    'policy_unavailable',
    'decision_log_unavailable',
    'body_too_large',
    'port_not_allowed',
  ] as const)('%s is a block with a builtin rule id, in every mode', (reason) => {
    for (const p of [null, enforce, report]) {
      const d = fixedDecision(reason, p);
      expect(d).toMatchObject({ action: 'block', reason, ruleId: `builtin.${reason}` });
      expect(d.explanation).not.toBe('');
      expect(d.remedy).not.toBe('');
    }
  });
  it('answers every reason code, and allows only allowed and coach_continue', () => {
    for (const r of REASON_CODES) {
      expect(fixedDecision(r, null).action).toBe(
        r === 'allowed' || r === 'coach_continue' ? 'allow' : 'block',
      );
    }
  });
});
