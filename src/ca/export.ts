// The CA certificate in the forms devices install: PEM, DER (.crt/.cer for Windows and Android) and an
// Apple configuration profile. Exports carry the trust anchor (our root, or the corporate root above an
// imported intermediate), never a key.

import { createHash, X509Certificate } from 'node:crypto';
import { build } from 'plist';
import type { CertificateAuthority } from './authority.js';

export type ExportFormat = 'pem' | 'der' | 'mobileconfig';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['pem', 'der', 'mobileconfig'];

export interface ExportOptions {
  /** PayloadOrganization; default `zdr-egress`. */
  readonly organization?: string;
  /** Top-level PayloadIdentifier (reverse DNS); default `org.zdr-egress.ca`. Same identifier = the profile replaces an earlier one. */
  readonly identifier?: string;
}

// Random namespace for our RFC 4122 version-5 UUIDs; fixed forever so re-exports are stable.
const UUID_NAMESPACE = Buffer.from('5c3f0f2e8a6b4d0e9b7a1f6e2d4c8a90', 'hex');

/** Name-based (SHA-1, version 5) UUID: the same CA and identifier always give the same profile UUIDs. */
function uuidFor(name: string): string {
  const h = createHash('sha1').update(UUID_NAMESPACE).update(name).digest().subarray(0, 16);
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.toString('hex').toUpperCase();
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function mobileconfig(anchor: X509Certificate, opts: ExportOptions): string {
  const identifier = opts.identifier ?? 'org.zdr-egress.ca';
  const organization = opts.organization ?? 'zdr-egress';
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(anchor.subject)?.[1] ?? 'zdr-egress CA';
  const seed = `${identifier}|${anchor.fingerprint256}`;
  return build({
    PayloadContent: [
      {
        PayloadCertificateFileName: 'zdr-egress-ca.cer',
        PayloadContent: anchor.raw,
        PayloadDescription: 'Adds the zdr-egress certificate authority to the trusted roots.',
        PayloadDisplayName: cn,
        PayloadIdentifier: `${identifier}.root`,
        PayloadType: 'com.apple.security.root',
        PayloadUUID: uuidFor(`${seed}|root`),
        PayloadVersion: 1,
      },
    ],
    PayloadDescription:
      "Lets this device trust the zdr-egress AI egress proxy, which inspects traffic to AI services under your organisation's data policy.",
    PayloadDisplayName: cn.includes('zdr-egress') ? cn : `zdr-egress: ${cn}`,
    PayloadIdentifier: identifier,
    PayloadOrganization: organization,
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: uuidFor(`${seed}|profile`),
    PayloadVersion: 1,
  });
}

export function exportCa(ca: CertificateAuthority, format: ExportFormat, opts: ExportOptions = {}): Buffer {
  const anchor = new X509Certificate(ca.anchorPem);
  switch (format) {
    case 'pem':
      return Buffer.from(anchor.toString());
    case 'der':
      return Buffer.from(anchor.raw);
    case 'mobileconfig':
      return Buffer.from(mobileconfig(anchor, opts));
    default: {
      const never: never = format;
      throw new Error(`unknown export format ${String(never)}`);
    }
  }
}

/** Content types for the admin downloads. */
export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  pem: 'application/x-pem-file',
  der: 'application/x-x509-ca-cert',
  mobileconfig: 'application/x-apple-aspen-config',
};
