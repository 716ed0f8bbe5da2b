// Name constraints (RFC 5280 4.2.1.10) on our root: it may only vouch for the hosts the policy
// intercepts, so a stolen key cannot impersonate anyone else. All IPv4 and IPv6 addresses are
// excluded too, because a dNSName-only constraint leaves iPAddress names unconstrained.

import {
  children,
  isContext,
  primitive,
  seq,
  tagged,
  taggedConstructed,
  type Asn1,
  fromDer,
} from './asn1.js';
import { CaError } from './errors.js';
import type { Extension } from './extensions.js';
import { OID } from './extensions.js';
import { formatIpRange, parseIp } from './ip-address.js';

interface IpRange {
  readonly address: Buffer;
  readonly mask: Buffer;
}

export interface NameConstraints {
  readonly permittedDns: readonly string[];
  readonly excludedDns: readonly string[];
  readonly permittedIp: readonly IpRange[];
  readonly excludedIp: readonly IpRange[];
  /** Constraints on other name forms (email, directoryName, URI) we only display. */
  readonly other: number;
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/**
 * The dNSName subtree that covers a policy host pattern. A constraint cannot hold a wildcard, and a
 * subtree covers the name and everything under it, so everything up to the last label holding `*` is
 * dropped: `*.openai.com` → `openai.com`, `bedrock-runtime.*.amazonaws.com` → `amazonaws.com`.
 */
export function subtreeFor(pattern: string): string {
  let host = pattern.trim().toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  const labels = host.split('.');
  const lastWild = labels.findLastIndex((l) => l.includes('*'));
  const base = labels.slice(lastWild + 1);
  const invalid =
    base.length === 0 ||
    (lastWild >= 0 && base.length < 2) || // `*.com` would permit a whole top-level domain
    base.join('.').length > 253 ||
    parseIp(base.join('.')) !== null ||
    !base.every((l) => LABEL.test(l));
  if (invalid) {
    throw new CaError(
      'CA_INVALID_NAME_CONSTRAINT',
      `"${pattern}" cannot be a name constraint: use a DNS name (punycode for Unicode names) under a registered domain, not an IP address`,
    );
  }
  return base.join('.');
}

/** Policy hosts to subtrees, without duplicates or names already covered by a broader subtree. */
export function constraintSubtrees(hosts: readonly string[]): string[] {
  const bases = new Set(hosts.map(subtreeFor));
  const covered = (h: string): boolean => [...bases].some((b) => b !== h && h.endsWith(`.${b}`));
  return [...bases].filter((h) => !covered(h)).sort();
}

/** Patterns whose subtree is wider than the pattern itself (a wildcard inside a name), for operators to see. */
export function broadenedPatterns(hosts: readonly string[]): { pattern: string; subtree: string }[] {
  return hosts
    .filter((h) => h.includes('*') && !/^\*\.[^*]+$/.test(h.trim()))
    .map((pattern) => ({ pattern, subtree: subtreeFor(pattern) }));
}

const ALL_IPV4: IpRange = { address: Buffer.alloc(4), mask: Buffer.alloc(4) };
const ALL_IPV6: IpRange = { address: Buffer.alloc(16), mask: Buffer.alloc(16) };

/** Critical: a client that does not understand the constraints must reject the root, not ignore them. */
export function nameConstraintsExtension(subtrees: readonly string[]): Extension {
  const subtree = (name: Asn1): Asn1 => seq([name]);
  const permitted = subtrees.map((h) => subtree(tagged(2, Buffer.from(h, 'ascii'))));
  const excluded = [ALL_IPV4, ALL_IPV6].map((r) => subtree(tagged(7, Buffer.concat([r.address, r.mask]))));
  return {
    oid: OID.nameConstraints,
    critical: true,
    value: seq([taggedConstructed(0, permitted), taggedConstructed(1, excluded)]),
  };
}

export function decodeNameConstraints(der: Buffer): NameConstraints {
  const result = {
    permittedDns: [] as string[],
    excludedDns: [] as string[],
    permittedIp: [] as IpRange[],
    excludedIp: [] as IpRange[],
    other: 0,
  };
  for (const part of children(fromDer(der))) {
    const permitted = isContext(part, 0);
    for (const subtree of children(part)) {
      const base = children(subtree)[0];
      const bytes = primitive(base);
      if (isContext(base, 2))
        (permitted ? result.permittedDns : result.excludedDns).push(bytes.toString('ascii'));
      else if (isContext(base, 7) && (bytes.length === 8 || bytes.length === 32)) {
        const half = bytes.length / 2;
        const range = { address: bytes.subarray(0, half), mask: bytes.subarray(half) };
        (permitted ? result.permittedIp : result.excludedIp).push(range);
      } else result.other++;
    }
  }
  return result;
}

const dnsWithin = (host: string, base: string): boolean => {
  const b = base.toLowerCase().replace(/^\./, '');
  return b === '' || host === b || host.endsWith(`.${b}`);
};

const ipWithin = (ip: Buffer, r: IpRange): boolean =>
  ip.length === r.address.length &&
  ip.every((byte, i) => (byte & (r.mask[i] ?? 0)) === ((r.address[i] ?? 0) & (r.mask[i] ?? 0)));

/** Whether a leaf for `host` would pass the constraints (RFC 5280 semantics for dNSName and iPAddress). */
export function permits(nc: NameConstraints, host: string): boolean {
  const ip = parseIp(host);
  if (ip !== null) {
    if (nc.excludedIp.some((r) => ipWithin(ip, r))) return false;
    const sameFamily = nc.permittedIp.filter((r) => r.address.length === ip.length);
    return nc.permittedIp.length === 0 || sameFamily.some((r) => ipWithin(ip, r));
  }
  if (nc.excludedDns.some((b) => dnsWithin(host, b))) return false;
  return nc.permittedDns.length === 0 || nc.permittedDns.some((b) => dnsWithin(host, b));
}

/** Human lines for `ca show`, e.g. `permitted DNS:openai.com`, `excluded IP:0.0.0.0/0`. */
export function describeNameConstraints(nc: NameConstraints): string[] {
  return [
    ...nc.permittedDns.map((d) => `permitted DNS:${d}`),
    ...nc.permittedIp.map((r) => `permitted IP:${formatIpRange(r.address, r.mask)}`),
    ...nc.excludedDns.map((d) => `excluded DNS:${d}`),
    ...nc.excludedIp.map((r) => `excluded IP:${formatIpRange(r.address, r.mask)}`),
    ...(nc.other > 0 ? [`${nc.other} constraint(s) on other name forms`] : []),
  ];
}
