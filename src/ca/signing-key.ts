// The CA private key never becomes a property of the CertificateAuthority object: it cannot end up
// in a JSON dump, a log line or an admin response by accident. Only src/ca/ modules can look it up.

import type { KeyObject } from 'node:crypto';

const keys = new WeakMap<object, KeyObject>();

export function attachSigningKey(ca: object, key: KeyObject): void {
  keys.set(ca, key);
}

export function signingKeyOf(ca: object): KeyObject | undefined {
  return keys.get(ca);
}
