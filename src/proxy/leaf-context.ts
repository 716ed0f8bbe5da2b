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

/**
 * `anchors` are sent after the leaf's own chain: our self-made root, so that clients that pin a
 * key from the chain they are shown (Chromium's --ignore-certificate-errors-spki-list) can match
 * it. Sending a root is harmless: clients that trust it ignore the copy.
 */
export function createLeafContextBuilder(
  anchors: readonly string[] = [],
): (leaf: LeafMaterial) => tls.SecureContext {
  const ticketKeys = randomBytes(48);
  return (leaf) =>
    tls.createSecureContext({
      key: leaf.keyPem,
      cert: [leaf.certPem, ...leaf.chainPem, ...anchors].join('\n'),
      minVersion: 'TLSv1.2',
      ticketKeys,
    });
}
