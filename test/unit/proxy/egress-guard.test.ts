import { describe, expect, it } from 'vitest';
import { createEgressGuard, EgressDeniedError, embeddedIpv4 } from '../../../src/proxy/egress-guard.js';

const guard = createEgressGuard({ allow: [], ownAddresses: ['203.0.113.7'] });

describe('egress guard', () => {
  it.each([
    '127.0.0.1',
    '127.9.9.9',
    '0.0.0.0',
    '10.1.2.3',
    '100.64.0.1',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fd00::1',
    'fc00::1',
    'fe80::1',
    'ff02::1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    '64:ff9b::169.254.169.254',
    '2002:a00:1::1',
    '::10.0.0.1',
    '203.0.113.7', // the proxy's own address
  ])('refuses %s', (ip) => {
    expect(guard.allows(ip)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('allows the public address %s', (ip) => {
    expect(guard.allows(ip)).toBe(true);
  });

  it('allows a private range the operator allow-listed', () => {
    const g = createEgressGuard({ allow: ['10.20.0.0/16', 'fd12::/16'], ownAddresses: [] });
    expect(g.allows('10.20.1.1')).toBe(true);
    expect(g.allows('::ffff:10.20.1.1')).toBe(true);
    expect(g.allows('fd12::5')).toBe(true);
    expect(g.allows('10.21.1.1')).toBe(false);
  });

  it('resolves once and refuses a name that resolves only to private addresses', async () => {
    await expect(guard.resolve('localhost')).rejects.toBeInstanceOf(EgressDeniedError);
    await expect(guard.resolve('169.254.169.254')).rejects.toBeInstanceOf(EgressDeniedError);
    await expect(guard.resolve('8.8.4.4')).resolves.toBe('8.8.4.4');
  });

  it('finds IPv4 inside NAT64, 6to4 and IPv4-compatible addresses', () => {
    expect(embeddedIpv4('64:ff9b::7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('2002:c0a8:101::1')).toBe('192.168.1.1');
    expect(embeddedIpv4('::192.168.1.1')).toBe('192.168.1.1');
    expect(embeddedIpv4('2606:4700::1111')).toBeNull();
  });
});
