import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/policy/build.js';
import { loadPolicyDir } from '../../../src/policy/load.js';

const BAD = 'test/fixtures/policies/bad';

// Each fixture folder holds one flaw; the message says where and how to fix it.
const expected: Record<string, string[]> = {
  'api-without-credentials': [
    'policy.yaml:8: hosts api.acme.test: access: api needs credentials.sources on provider acme',
  ],
  'bad-fingerprint': [
    `policy.yaml:16: credentials[0].fingerprint: must be 64 lower-case hex characters, as printed by 'zdr-egress fingerprint', found "sk-proj-abc"`,
  ],
  'bad-path': ["policy.yaml:14: path '/v1/**/chat': '**' is only allowed as the last segment"],
  'bad-port': ['policy.yaml:16: settings.allowed_ports[1]: must be at most 65535'],
  'bad-rule-type': [
    'policy.yaml:16: providers[0].rules[0].type: must be one of body_field, tool, allowed_caller, model, beta, found "tol"',
  ],
  'bad-surface': [
    'policy.yaml:9: providers[0].hosts[0].surface: must be one of api, consumer, console, auxiliary, found "apii"',
  ],
  'body-rule-not-inspected': [
    "policy.yaml:16: rule 'acme.store' is a body rule but endpoint 'acme.chat' does not set inspect_body: true; add it there",
  ],
  'broad-host': [
    "policy.yaml:8: host '*.test' is too broad: the '*' must be followed by a registered domain, e.g. '*.example.com'",
  ],
  'builtin-override-enabled': [
    'policy.yaml:17: settings.overrides.builtin.unknown_endpoint: a builtin rule can only change its mode; remove enabled/action',
  ],
  'credential-unknown-provider': [
    "policy.yaml:16: credentials[0]: unknown provider 'acmee'; use one of: acme",
  ],
  'duplicate-host': [
    `policy.yaml:8: host 'api.acme.test' is already listed at ${BAD}/duplicate-host/more.yaml:8; list each host once`,
  ],
  'duplicate-rule-id': [
    `policy.yaml:15: rule id 'acme.chat' is already used at ${BAD}/duplicate-rule-id/policy.yaml:14; give each rule its own id`,
  ],
  'duplicate-yaml-key': [
    'policy.yaml:5: YAML syntax: Map keys must be unique; check indentation, quoting and duplicate keys',
  ],
  'empty-file': ["policy.yaml:1: the file is empty; start it with 'version: 1'"],
  'missing-source': ["policy.yaml:8: providers[0].hosts[0]: missing required key 'source'; add it"],
  'no-zdr-with-api-access': [
    'policy.yaml:8: hosts api.acme.test: provider acme has zdr: none, so its hosts are blocked with provider_not_zdr; remove access or set zdr: offered',
  ],
  'rule-id-prefix': ["policy.yaml:16: rule id 'store_true' must start with the provider id 'acme.'"],
  'settings-twice': [
    `second.yaml:2: settings is already defined in ${BAD}/settings-twice/policy.yaml:15; keep one settings section`,
  ],
  'tenant-allow-without-ids': [
    'policy.yaml:18: tenants.acme-org: allow_consumer and allow_oauth_tokens need at least one id in ids; without ids nothing restricts the tenant',
  ],
  'tenant-host-not-listed': [
    "policy.yaml:16: tenant header 'acme-org' names host 'chat.acme.test', which acme does not list under hosts; list it there first",
  ],
  'unknown-key': [
    "policy.yaml:10: providers[0].hosts[0]: unknown key 'sourc'; did you mean 'source'? allowed keys: names, surface, handling, access, reason, action, mode, paths, source, explanation, remedy",
  ],
  'unknown-override': [
    "policy.yaml:17: settings.overrides: no rule has the id 'acme.chatt'; did you mean 'acme.chat'? (zdr-egress policy explain shows rule ids)",
  ],
  'unknown-tenant-header': [
    "policy.yaml:16: tenants: no provider declares the tenant header 'acme-allowed-orgs'; declared headers: none",
  ],
  'wrong-version': ['policy.yaml:1: version: must be 1, found 2'],
  'yaml-syntax': [
    'policy.yaml:5: YAML syntax: Sequence item without - indicator; check indentation, quoting and duplicate keys',
  ],
};

describe('loadPolicyDir on bad policies', () => {
  it('has a fixture folder for every expectation and an expectation for every folder', () => {
    expect(fs.readdirSync(BAD).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s is rejected with file:line: message', (name, messages) => {
    const r = loadPolicyDir(path.join(BAD, name));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(formatIssue)).toEqual(messages.map((m) => `${BAD}/${name}/${m}`));
  });
});

describe('loadPolicyDir', () => {
  it('loads the shipped policy folder', () => {
    const r = loadPolicyDir('policies');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.mode).toBe('enforce');
    expect([...r.policy.allowedPorts]).toEqual([443, 80]);
    expect(r.policy.version).toMatch(/^[0-9a-f]{12}$/);
    for (const p of [
      'openai',
      'anthropic',
      'google-gemini',
      'google-vertex',
      'azure-openai',
      'aws-bedrock',
      'mistral',
      'xai',
      'deepseek',
      'perplexity',
      'openrouter',
      'groq',
      'cohere',
    ]) {
      expect(r.policy.providers.has(p), p).toBe(true);
    }
  });

  it('applies the mode override to the policy and to every rule', () => {
    const r = loadPolicyDir('policies', { mode: 'report' });
    expect(r.ok && r.policy.mode).toBe('report');
    expect(
      r.ok && [...r.policy.rules.values()].every((rule) => rule.mode === 'report' || rule.action === 'allow'),
    ).toBe(true);
  });

  it('versions the policy by content: same files, same version; an edit, a new one', () => {
    const dir = tempPolicy();
    const a = loadPolicyDir(dir);
    const b = loadPolicyDir(dir);
    fs.appendFileSync(path.join(dir, 'policy.yaml'), '# a comment\n');
    const c = loadPolicyDir(dir);
    expect(a.ok && b.ok && a.policy.version === b.policy.version).toBe(true);
    expect(a.ok && c.ok && a.policy.version !== c.policy.version).toBe(true);
  });

  it('ignores dotfiles and other extensions, reads .yml, and follows symlinked files', () => {
    const dir = tempPolicy();
    fs.writeFileSync(path.join(dir, '.hidden.yaml'), 'not: valid: yaml: [');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-policy-target-'));
    fs.writeFileSync(
      path.join(elsewhere, 'extra.yml'),
      'version: 1\nproviders:\n  - { id: x, name: X, zdr: consumer_only, source: t, hosts: [{ names: [x.test], surface: consumer, source: t }] }\n',
    );
    fs.symlinkSync(path.join(elsewhere, 'extra.yml'), path.join(dir, 'extra.yml'));
    const r = loadPolicyDir(dir);
    expect(r.ok && r.policy.namedHosts).toEqual(['x.test']);
  });

  it('reports a missing folder and a folder without policy files', () => {
    const missing = loadPolicyDir('/nonexistent/zdr-egress-policies');
    expect(missing.ok ? [] : missing.errors.map(formatIssue)).toEqual([
      '/nonexistent/zdr-egress-policies:0: cannot read the policy folder (ENOENT); check --policies',
    ]);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-policy-empty-'));
    const r = loadPolicyDir(empty);
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([
      'no policy files (*.yaml) in the folder; copy the shipped policies/ folder',
    ]);
  });
});

/** A one-file policy in a temp folder. */
export function tempPolicy(mode = 'enforce'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-policy-'));
  fs.writeFileSync(path.join(dir, 'policy.yaml'), `version: 1\nsettings:\n  mode: ${mode}\n`);
  return dir;
}
