// Identity: who is behind a request: a proxy user (Proxy-Authorization: Basic, checked against the users
// file) or the user a client-address range maps to. Verified credentials are remembered by their
// SHA-256 only, so scrypt runs once per credential, not once per request.

import { createHash } from 'node:crypto';
import net from 'node:net';
import { readUsersFile, verifyPassword } from './users-file.js';

export type Identity = { readonly ok: true; readonly user: string | null } | { readonly ok: false };

export interface IdentityOptions {
  /** When set, every client must authenticate with Basic credentials from this file. */
  readonly usersFile: string | null;
  /** CIDR -> user name, for clients that cannot answer a 407 (some Electron apps). */
  readonly usersByCidr: Readonly<Record<string, string>>;
}

export interface Identifier {
  identify(clientIp: string, proxyAuthorization: string | undefined): Identity;
  readonly authRequired: boolean;
}

export function createIdentifier(opts: IdentityOptions): Identifier {
  const ranges = Object.entries(opts.usersByCidr).map(([cidr, user]) => {
    const list = new net.BlockList();
    const [addr, bits] = cidr.split('/') as [string, string | undefined];
    const family = net.isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(addr, bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits), family);
    return { list, user };
  });
  const hashes =
    opts.usersFile === null
      ? null
      : new Map(readUsersFile(opts.usersFile).users.map((u) => [u.name, u.scrypt]));
  const verified = new Map<string, string>(); // sha256(header) -> user
  const MAX_VERIFIED = 10_000;

  function byAddress(clientIp: string): string | null {
    const family = net.isIP(clientIp);
    if (family === 0) return null;
    for (const r of ranges) if (r.list.check(clientIp, family === 6 ? 'ipv6' : 'ipv4')) return r.user;
    return null;
  }

  function identify(clientIp: string, header: string | undefined): Identity {
    const mapped = byAddress(clientIp);
    if (hashes === null) return { ok: true, user: mapped };
    if (mapped !== null) return { ok: true, user: mapped };
    if (header === undefined || !/^basic /i.test(header)) return { ok: false };
    const key = createHash('sha256').update(header).digest('hex');
    const known = verified.get(key);
    if (known !== undefined) return { ok: true, user: known };
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false };
    const name = decoded.slice(0, colon);
    const encoded = hashes.get(name);
    if (encoded === undefined || !verifyPassword(decoded.slice(colon + 1), encoded)) return { ok: false };
    if (verified.size >= MAX_VERIFIED) verified.clear();
    verified.set(key, name);
    return { ok: true, user: name };
  }

  return { identify, authRequired: hashes !== null };
}
