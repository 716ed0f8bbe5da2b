import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { CaError, initCa } from '../../../src/ca/authority.js';
import { createLeafMinter } from '../../../src/ca/leaf.js';
import { hasOpenssl, openssl, opensslVerify, tempDir } from './fixtures.js';

const HOUR = 3_600_000;
const dir = tempDir();
const ca = initCa(dir);
const caCert = new X509Certificate(ca.certPem);
const mint = createLeafMinter(ca);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CaError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('a minted leaf', () => {
  const leaf = mint('api.openai.com');
  const cert = new X509Certificate(leaf.certPem);

  it('carries an ECDSA P-256 key that matches the returned private key', () => {
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
    expect(leaf.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('is signed by the CA and names the host only in the SAN', () => {
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.subject ?? '').toBe(''); // node reports an empty Name as undefined
    expect(cert.subjectAltName).toBe('DNS:api.openai.com');
    expect(cert.checkHost('api.openai.com')).toBe('api.openai.com');
    expect(cert.checkHost('chatgpt.com')).toBeUndefined();
    expect(cert.ca).toBe(false);
  });

  it('is a server certificate: keyUsage digitalSignature, EKU serverAuth, AKI = CA SKI', () => {
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const text = hasOpenssl ? openssl(['x509', '-noout', '-text'], leaf.certPem).output : '';
    if (hasOpenssl) {
      expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
      expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
      expect(text).toMatch(/Subject Alternative Name: critical\s+DNS:api.openai.com/);
      const caText = openssl(['x509', '-noout', '-text'], ca.certPem).output;
      const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(caText)?.[1];
      expect(ski).toBeDefined();
      expect(text).toContain(`Authority Key Identifier: \n                ${ski}`);
    }
  });

  it('has a random positive 16-byte serial, different on every mint', () => {
    expect(cert.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
    expect(new X509Certificate(mint('api.openai.com').certPem).serialNumber).not.toBe(cert.serialNumber);
  });

  it('sends no chain under our own root', () => {
    expect(leaf.chainPem).toEqual([]);
  });

  it.runIf(hasOpenssl)('passes openssl verify as an SSL server certificate for its host', () => {
    const r = opensslVerify(tempDir(), ca.certPem, leaf.certPem, { host: 'api.openai.com' });
    expect(r.output).toContain('OK');
    expect(r.ok).toBe(true);
    expect(opensslVerify(tempDir(), ca.certPem, leaf.certPem, { host: 'claude.ai' }).ok).toBe(false);
  });
});

describe('validity', () => {
  const t0 = Date.UTC(2030, 0, 1, 12, 0, 0);
  const at = createLeafMinter(ca, { now: () => t0 + 123 });

  it('starts an hour back and lasts seven days, to the second', () => {
    const leaf = at('api.anthropic.com');
    const cert = new X509Certificate(leaf.certPem);
    expect(new Date(cert.validFrom).getTime()).toBe(t0 - HOUR);
    expect(new Date(cert.validTo).getTime()).toBe(t0 + 7 * 24 * HOUR);
    expect(leaf.notAfter).toBe(t0 + 7 * 24 * HOUR);
  });

  it('never outlives the CA', () => {
    const nearEnd = createLeafMinter(ca, { now: () => ca.notAfter.getTime() - HOUR });
    const leaf = nearEnd('api.openai.com');
    expect(leaf.notAfter).toBe(ca.notAfter.getTime());
  });

  it('is refused once the CA has expired', () => {
    const late = createLeafMinter(ca, { now: () => ca.notAfter.getTime() + 1 });
    expect(codeOf(() => late('api.openai.com'))).toBe('CA_EXPIRED');
  });

  it('honours a configured validity', () => {
    const short = createLeafMinter(ca, { now: () => t0, validityMs: 24 * HOUR, backdateMs: 0 });
    const cert = new X509Certificate(short('api.openai.com').certPem);
    expect(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()).toBe(24 * HOUR);
  });
});

describe('host forms', () => {
  it.each([
    ['127.0.0.1', 'IP Address:127.0.0.1'],
    ['2001:db8::1', 'IP Address:2001:DB8:0:0:0:0:0:1'],
    ['[::1]', 'IP Address:0:0:0:0:0:0:0:1'],
    ['xn--bcher-kva.example', 'DNS:xn--bcher-kva.example'],
  ])('puts %s into the SAN as %s', (host, san) => {
    const cert = new X509Certificate(mint(host).certPem);
    expect(cert.subjectAltName).toBe(san);
  });

  it('matches an IP literal with checkIP', () => {
    expect(new X509Certificate(mint('10.1.2.3').certPem).checkIP('10.1.2.3')).toBe('10.1.2.3');
  });

  it.each(['', 'API.OPENAI.COM', 'bücher.example', 'a..b', 'host name', 'x/y', '-a.com', '999.1.1.1'])(
    'refuses %j, which the proxy should have normalised',
    (host) => {
      expect(codeOf(() => mint(host))).toBe('CA_INVALID_HOST');
    },
  );

  it('can issue RSA 2048 leaves for clients without ECDSA', () => {
    const rsa = createLeafMinter(ca, { keyType: 'rsa' });
    const cert = new X509Certificate(rsa('api.openai.com').certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.verify(caCert.publicKey)).toBe(true);
  });
});

describe('a real TLS handshake', () => {
  const servers: tls.Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  async function handshake(server: tls.Server, servername: string, trust: string): Promise<tls.TLSSocket> {
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca: trust });
    await once(socket, 'secureConnect');
    return socket;
  }

  it('is trusted by a client that trusts only the CA, through a cached SecureContext', async () => {
    const leaf = mint('api.openai.com');
    const context = tls.createSecureContext({
      key: leaf.keyPem,
      cert: leaf.certPem + leaf.chainPem.join(''),
    });
    const server = tls.createServer({ SNICallback: (_name, cb) => cb(null, context) }, (s) => s.end('ok'));
    const socket = await handshake(server, 'api.openai.com', ca.certPem);
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().subjectaltname).toBe('DNS:api.openai.com');
    const [data] = (await once(socket, 'data')) as [Buffer];
    expect(data.toString()).toBe('ok');
    socket.destroy();
  });

  it('is rejected for another server name', async () => {
    const leaf = mint('api.openai.com');
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (s) => s.end());
    await expect(handshake(server, 'chatgpt.com', ca.certPem)).rejects.toThrow(/altnames|Hostname/i);
  });

  it('is rejected by a client that does not trust the CA', async () => {
    const leaf = mint('api.openai.com');
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (s) => s.end());
    const other = initCa(tempDir());
    await expect(handshake(server, 'api.openai.com', other.certPem)).rejects.toThrow(/certificate/i);
  });
});
