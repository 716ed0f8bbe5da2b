import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { CaError, initCa } from '../../../src/ca/authority.js';
import { createLeafMinter } from '../../../src/ca/leaf.js';
import {
  broadenedPatterns,
  constraintSubtrees,
  decodeNameConstraints,
  permits,
} from '../../../src/ca/name-constraints.js';
import { hasOpenssl, opensslVerify, tempDir } from './fixtures.js';

describe('policy hosts become dNSName subtrees', () => {
  it.each([
    [['api.openai.com'], ['api.openai.com']],
    [['*.openai.com'], ['openai.com']],
    [
      ['*.openai.com', 'api.openai.com', 'chatgpt.com'],
      ['chatgpt.com', 'openai.com'],
    ],
    [['API.Anthropic.com.', 'api.anthropic.com'], ['api.anthropic.com']],
    [
      ['claude.ai', 'xn--bcher-kva.example'],
      ['claude.ai', 'xn--bcher-kva.example'],
    ],
  ])('%j → %j', (hosts, subtrees) => {
    expect(constraintSubtrees(hosts)).toEqual(subtrees);
  });

  it.each([
    '10.0.0.1',
    '::1',
    '*',
    '*.',
    '*.com',
    'api.*',
    'a b.com',
    'bücher.example',
    'x/y',
    '-bad.com',
    '',
  ])('refuses %j with CA_INVALID_NAME_CONSTRAINT', (host) => {
    expect(() => constraintSubtrees([host])).toThrow(CaError);
  });
});

it('names the patterns whose subtree is wider than the pattern', () => {
  expect(broadenedPatterns(['*.openai.com', 'api.openai.com', 'bedrock-runtime.*.amazonaws.com'])).toEqual([
    { pattern: 'bedrock-runtime.*.amazonaws.com', subtree: 'amazonaws.com' },
  ]);
});

describe('a name-constrained root', () => {
  const ca = initCa(tempDir(), { nameConstraints: ['*.openai.com', 'api.anthropic.com', 'chatgpt.com'] });
  const unchecked = createLeafMinter(ca, { checkNameConstraints: false });
  const mint = createLeafMinter(ca);

  it('carries a critical nameConstraints extension permitting exactly those subtrees and excluding all IPs', () => {
    const ext = forge.pki.certificateFromPem(ca.certPem).getExtension('nameConstraints') as {
      critical: boolean;
    };
    expect(ext.critical).toBe(true);
    expect(ca.nameConstraints).toEqual([
      'permitted DNS:api.anthropic.com',
      'permitted DNS:chatgpt.com',
      'permitted DNS:openai.com',
      'excluded IP:0.0.0.0/0',
      'excluded IP:::/0',
    ]);
  });

  it('signs leaves for permitted hosts and refuses others before a client would', () => {
    expect(new X509Certificate(mint('api.openai.com').certPem).checkHost('api.openai.com')).toBeDefined();
    expect(new X509Certificate(mint('chatgpt.com').certPem).checkHost('chatgpt.com')).toBeDefined();
    for (const host of ['bank.example', 'evilopenai.com', 'anthropic.com', '10.0.0.1']) {
      expect(() => mint(host)).toThrow(expect.objectContaining({ code: 'CA_NAME_NOT_PERMITTED' }));
    }
  });

  it.runIf(hasOpenssl).each([
    ['api.openai.com', true, 'OK'],
    ['files.oaiusercontent.openai.com', true, 'OK'],
    ['chatgpt.com', true, 'OK'],
    ['bank.example', false, 'permitted subtree violation'],
    ['evilopenai.com', false, 'permitted subtree violation'],
    ['203.0.113.7', false, 'excluded subtree violation'],
    ['2001:db8::7', false, 'excluded subtree violation'],
  ])('openssl verify of a leaf for %s: passes=%s (%s)', (host, passes, text) => {
    const r = opensslVerify(tempDir(), ca.certPem, unchecked(host).certPem, { host });
    expect(r.ok).toBe(passes);
    expect(r.output).toContain(text);
  });
});

describe('permits follows RFC 5280 matching', () => {
  const nc = decodeNameConstraintsOf(['openai.com']);
  it.each([
    ['openai.com', true],
    ['api.openai.com', true],
    ['a.b.openai.com', true],
    ['xopenai.com', false],
    ['openai.com.evil', false],
    ['1.2.3.4', false],
    ['::1', false],
  ])('%s → %s', (host, expected) => {
    expect(permits(nc, host)).toBe(expected);
  });
});

function decodeNameConstraintsOf(hosts: string[]) {
  const ca = initCa(tempDir(), { nameConstraints: hosts, years: 1 });
  const ext = forge.pki.certificateFromPem(ca.certPem).getExtension('nameConstraints') as { value: string };
  return decodeNameConstraints(Buffer.from(ext.value, 'binary'));
}
