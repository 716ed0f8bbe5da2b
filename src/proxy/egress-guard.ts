// Egress safety, as Stripe's Smokescreen does it: resolve the destination once, refuse addresses
// inside the organisation (loopback, RFC 1918, CGNAT, link-local and cloud metadata, IPv6 ULA and
// link-local, and IPv4 hidden inside IPv6), then connect to the very address that was checked, so a
// DNS answer cannot change between the check and the connect.

import dns from 'node:dns/promises';
import net from 'node:net';

const DENY_V4: readonly [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const DENY_V6: readonly [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['100::', 64],
  ['2001:db8::', 32],
];

export class EgressDeniedError extends Error {
  readonly code = 'ZDR_EGRESS_DENIED';
  constructor() {
    super('destination address is not allowed');
  }
}

export interface EgressGuardOptions {
  /** CIDRs the operator allows although they are private (e.g. an Azure private endpoint range). */
  readonly allow: readonly string[];
  /** The proxy's own addresses: never a destination. */
  readonly ownAddresses: readonly string[];
}

export interface EgressGuard {
  /** True when `address` (an IP literal) may be connected to. */
  allows(address: string): boolean;
  /** Resolves `host` once and returns the first allowed address; throws EgressDeniedError if none. */
  resolve(host: string): Promise<string>;
}

export function createEgressGuard(opts: EgressGuardOptions): EgressGuard {
  const deny = new net.BlockList();
  for (const [a, p] of DENY_V4) deny.addSubnet(a, p, 'ipv4');
  for (const [a, p] of DENY_V6) deny.addSubnet(a, p, 'ipv6');
  for (const own of opts.ownAddresses)
    if (net.isIP(own)) deny.addAddress(own, net.isIP(own) === 6 ? 'ipv6' : 'ipv4');
  const allow = new net.BlockList();
  for (const cidr of opts.allow) {
    const [addr, bits] = cidr.split('/') as [string, string | undefined];
    const family = net.isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    allow.addSubnet(addr, bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits), family);
  }

  function allows(address: string): boolean {
    const family = net.isIP(address);
    if (family === 0) return false;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (allow.check(address, type)) return true;
    if (deny.check(address, type)) return false;
    if (family === 6) {
      const embedded = embeddedIpv4(address);
      if (embedded !== null && !allows(embedded)) return false;
    }
    return true;
  }

  async function resolve(host: string): Promise<string> {
    if (net.isIP(host) !== 0) {
      if (allows(host)) return host;
      throw new EgressDeniedError();
    }
    const answers = await dns.lookup(host, { all: true, verbatim: true });
    const ok = answers.find((a) => allows(a.address));
    if (ok === undefined) throw new EgressDeniedError();
    return ok.address;
  }

  return { allows, resolve };
}

/** IPv4 carried inside IPv6: NAT64 (64:ff9b::/96), 6to4 (2002::/16), IPv4-compatible (::/96). */
export function embeddedIpv4(v6: string): string | null {
  const words = expandIpv6(v6);
  if (words === null) return null;
  const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0)) {
    return v4(words[6] as number, words[7] as number);
  }
  if (words[0] === 0x2002) return v4(words[1] as number, words[2] as number);
  if (words.slice(0, 6).every((w) => w === 0) && ((words[6] as number) !== 0 || (words[7] as number) > 1)) {
    return v4(words[6] as number, words[7] as number);
  }
  return null;
}

function expandIpv6(v6: string): number[] | null {
  let text = v6;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = (dotted[1] as string).split('.').map(Number);
    text =
      text.slice(0, -(dotted[1] as string).length) +
      `${(((parts[0] as number) << 8) | (parts[1] as number)).toString(16)}:${(((parts[2] as number) << 8) | (parts[3] as number)).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (all.length !== 8) return null;
  const words = all.map((w) => parseInt(w, 16));
  return words.some((w) => Number.isNaN(w) || w < 0 || w > 0xffff) ? null : words;
}
