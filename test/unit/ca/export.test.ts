import { X509Certificate } from 'node:crypto';
import { parse } from 'plist';
import { describe, expect, it } from 'vitest';
import { importCa, initCa } from '../../../src/ca/authority.js';
import { exportCa } from '../../../src/ca/export.js';
import { forgeCa, tempDir, writeFiles } from './fixtures.js';

const ca = initCa(tempDir(), { commonName: 'zdr-egress CA (export test)', years: 1 });

type Dict = Record<string, unknown>;
const profileOf = (buf: Buffer): Dict => parse(buf.toString('utf8')) as Dict;
const payloadOf = (profile: Dict): Dict => (profile['PayloadContent'] as Dict[])[0] ?? {};
const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

describe('exportCa', () => {
  it('pem round-trips to the same certificate', () => {
    const pem = exportCa(ca, 'pem').toString();
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(new X509Certificate(pem).fingerprint256).toBe(ca.fingerprint256);
  });

  it('der is the certificate DER', () => {
    const der = exportCa(ca, 'der');
    expect(der.equals(ca.certDer)).toBe(true);
    expect(new X509Certificate(der).fingerprint256).toBe(ca.fingerprint256);
  });

  describe('mobileconfig', () => {
    const profile = profileOf(exportCa(ca, 'mobileconfig'));
    const payload = payloadOf(profile);

    it('is a Configuration profile with identifiers, version and organisation', () => {
      expect(profile).toMatchObject({
        PayloadType: 'Configuration',
        PayloadVersion: 1,
        PayloadIdentifier: 'org.zdr-egress.ca',
        PayloadOrganization: 'zdr-egress',
        PayloadDisplayName: 'zdr-egress CA (export test)',
        PayloadRemovalDisallowed: false,
      });
      expect(profile['PayloadUUID']).toMatch(UUID);
    });

    it('holds one com.apple.security.root payload whose content is the CA DER', () => {
      expect(profile['PayloadContent']).toHaveLength(1);
      expect(payload).toMatchObject({
        PayloadType: 'com.apple.security.root',
        PayloadVersion: 1,
        PayloadIdentifier: 'org.zdr-egress.ca.root',
      });
      expect(payload['PayloadUUID']).toMatch(UUID);
      expect(payload['PayloadUUID']).not.toBe(profile['PayloadUUID']);
      expect(Buffer.from(payload['PayloadContent'] as Uint8Array).equals(ca.certDer)).toBe(true);
    });

    it('is byte-identical on re-export, so MDM sees no change', () => {
      expect(exportCa(ca, 'mobileconfig').equals(exportCa(ca, 'mobileconfig'))).toBe(true);
    });

    it('gets new UUIDs for another CA or another identifier', () => {
      const other = profileOf(exportCa(initCa(tempDir(), { years: 1 }), 'mobileconfig'));
      expect(other['PayloadUUID']).not.toBe(profile['PayloadUUID']);
      const renamed = profileOf(
        exportCa(ca, 'mobileconfig', { identifier: 'com.example.proxy-ca', organization: 'Example' }),
      );
      expect(renamed).toMatchObject({
        PayloadIdentifier: 'com.example.proxy-ca',
        PayloadOrganization: 'Example',
      });
      expect(renamed['PayloadUUID']).not.toBe(profile['PayloadUUID']);
    });
  });

  it('exports the corporate root, not the intermediate, for an imported intermediate', () => {
    const root = forgeCa('Example Root CA', null);
    const mid = forgeCa('Example Issuing CA', root, { pathLen: 0 });
    const f = writeFiles(tempDir(), { 'c.pem': mid.certPem, 'k.pem': mid.keyPem, 'r.pem': root.certPem });
    const imported = importCa(tempDir(), {
      cert: f['c.pem'] ?? '',
      key: f['k.pem'] ?? '',
      chain: f['r.pem'] ?? '',
    });
    const rootDer = new X509Certificate(root.certPem).raw;
    expect(exportCa(imported, 'der').equals(rootDer)).toBe(true);
    const payload = payloadOf(profileOf(exportCa(imported, 'mobileconfig')));
    expect(Buffer.from(payload['PayloadContent'] as Uint8Array).equals(rootDer)).toBe(true);
  });
});
