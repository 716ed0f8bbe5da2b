import { describe, expect, it } from 'vitest';
import { normalizeHost, splitHostPort } from '../../../src/classify/host.js';

describe('normalizeHost gives every spelling of a host one canonical form', () => {
  it.each([
    ['api.openai.com', 'api.openai.com'],
    ['API.OpenAI.COM', 'api.openai.com'],
    ['api.openai.com.', 'api.openai.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['ＡＰＩ.openai.com', 'api.openai.com'], // full-width letters fold under IDNA
    ['127.1', '127.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['[::1]', '::1'],
    ['[0:0::1]', '::1'],
    ['[::FFFF:1.2.3.4]', '::ffff:102:304'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeHost(raw)).toBe(expected);
  });

  it.each([
    '',
    '.',
    'a..b',
    'exa mple.com',
    'evil.com/x',
    'user@host',
    '256.1.1.1',
    '1.2.3.4.5',
    '[::1',
    'a'.repeat(300),
    '[zz::1]',
  ])('refuses %j', (raw) => {
    expect(normalizeHost(raw)).toBeNull();
  });
});

describe('splitHostPort', () => {
  it.each([
    ['api.openai.com:443', null, { host: 'api.openai.com', port: 443 }],
    ['API.OPENAI.COM.:443', null, { host: 'api.openai.com', port: 443 }],
    ['[::1]:8443', null, { host: '::1', port: 8443 }],
    ['example.com', 80, { host: 'example.com', port: 80 }],
  ] as const)('%s', (authority, defaultPort, expected) => {
    expect(splitHostPort(authority, defaultPort)).toEqual(expected);
  });

  it.each([
    'example.com',
    'example.com:0',
    'example.com:65536',
    'example.com:https',
    '::1:443',
    '[::1]x',
    'a:b:c',
  ])('refuses %j when a port is required', (authority) => {
    expect(splitHostPort(authority, null)).toBeNull();
  });
});
