// Turns a minted leaf into the SecureContext TLS termination uses. Contexts are built once per
// host and cached by the CA's LeafCache; all of them share one session-ticket key so that a client
// resuming a session skips the certificate handshake whichever host it reconnects to.

import { randomBytes } from 'node:crypto';
import tls from 'node:tls';

export interface LeafMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  readonly chainPem: readonly string[];
}

export function createLeafContextBuilder(): (leaf: LeafMaterial) => tls.SecureContext {
  const ticketKeys = randomBytes(48);
  return (leaf) =>
    tls.createSecureContext({
      key: leaf.keyPem,
      cert: [leaf.certPem, ...leaf.chainPem].join('\n'),
      minVersion: 'TLSv1.2',
      ticketKeys,
    });
}
