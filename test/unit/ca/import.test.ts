import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { importCa, initCa, loadCa } from '../../../src/ca/authority.js';
import { createLeafMinter } from '../../../src/ca/leaf.js';
import { forgeCa, hasOpenssl, openssl, opensslVerify, tempDir, writeFiles } from './fixtures.js';

// A corporate PKI: root → policy CA → issuing CA (the intermediate handed to zdr-egress).
const root = forgeCa('Example Root CA', null);
const policyCa = forgeCa('Example Policy CA', root, { pathLen: 1 });
const issuing = forgeCa('Example Issuing CA', policyCa, { pathLen: 0 });
const direct = forgeCa('Example Direct CA', root, { pathLen: 0 });

const input = writeFiles(tempDir(), {
  'issuing.pem': issuing.certPem,
  'issuing.key': issuing.keyPem,
  'direct.pem': direct.certPem,
  'direct.key': direct.keyPem,
  'root.pem': root.certPem,
  'root.key': root.keyPem,
  'chain-root-first.pem': root.certPem + policyCa.certPem,
  'policy.pem': policyCa.certPem,
}) as Record<string, string>;
const file = (name: string): string => input[name] ?? '';

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
};

describe('importing an intermediate from the corporate PKI', () => {
  const dir = tempDir();
  const ca = importCa(dir, {
    cert: file('issuing.pem'),
    key: file('issuing.key'),
    chain: file('chain-root-first.pem'),
  });
  const mint = createLeafMinter(ca);

  it('returns the intermediate, its issuers without the root, and the root as the trust anchor', () => {
    expect(ca.kind).toBe('intermediate');
    expect(ca.subject).toBe('CN=Example Issuing CA, O=Example Corp');
    expect(ca.issuer).toBe('CN=Example Policy CA, O=Example Corp');
    expect(ca.chainPem.map((p) => new X509Certificate(p).subject)).toEqual([
      'O=Example Corp\nCN=Example Policy CA',
    ]);
    expect(new X509Certificate(ca.anchorPem).subject).toContain('Example Root CA');
  });

  it('stores ca.pem, ca.key (0600) and chain.pem and loads them back on start', () => {
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(new X509Certificate(readFileSync(join(dir, 'ca.pem'))).fingerprint256).toBe(ca.fingerprint256);
    expect(readFileSync(join(dir, 'chain.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
    const again = loadCa(dir);
    expect(again.fingerprint256).toBe(ca.fingerprint256);
    expect(again.chainPem).toEqual(ca.chainPem);
  });

  it('mints leaves that carry the intermediate chain and verify up to the root', () => {
    const leaf = mint('api.openai.com');
    expect(leaf.chainPem.map((p) => new X509Certificate(p).subject.split('\n')[1])).toEqual([
      'CN=Example Issuing CA',
      'CN=Example Policy CA',
    ]);
    expect(new X509Certificate(leaf.certPem).checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    if (hasOpenssl) {
      const r = opensslVerify(tempDir(), root.certPem, leaf.certPem, {
        untrusted: leaf.chainPem,
        host: 'api.openai.com',
      });
      expect(r.output).toContain('OK');
    }
  });

  it('completes a TLS handshake with a client that trusts only the corporate root', async () => {
    const leaf = mint('api.anthropic.com');
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem + leaf.chainPem.join('') }, (s) =>
      s.end(),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'api.anthropic.com',
      ca: root.certPem,
    });
    await once(socket, 'secureConnect');
    expect(socket.authorized).toBe(true);
    socket.destroy();
    server.close();
  });
});

describe('import checks', () => {
  it('accepts an intermediate issued directly by the root; nothing but the root in the chain', () => {
    const ca = importCa(tempDir(), {
      cert: file('direct.pem'),
      key: file('direct.key'),
      chain: file('root.pem'),
    });
    expect(ca.chainPem).toEqual([]);
    expect(createLeafMinter(ca)('api.openai.com').chainPem).toEqual([ca.certPem]);
  });

  it('accepts a self-signed root with its key and writes no chain.pem', () => {
    const dir = tempDir();
    const ca = importCa(dir, { cert: file('root.pem'), key: file('root.key') });
    expect(ca.kind).toBe('root');
    expect(existsSync(join(dir, 'chain.pem'))).toBe(false);
  });

  it.each([
    ['an intermediate without its chain', { cert: 'issuing.pem', key: 'issuing.key' }, 'CA_CHAIN_INCOMPLETE'],
    [
      'a chain that stops below the root',
      { cert: 'issuing.pem', key: 'issuing.key', chain: 'policy.pem' },
      'CA_CHAIN_INCOMPLETE',
    ],
    [
      'a chain from another PKI',
      { cert: 'issuing.pem', key: 'issuing.key', chain: 'direct.pem' },
      'CA_CHAIN_INCOMPLETE',
    ],
    [
      'a key of another certificate',
      { cert: 'issuing.pem', key: 'direct.key', chain: 'chain-root-first.pem' },
      'CA_KEY_MISMATCH',
    ],
    ['a missing file', { cert: 'nope.pem', key: 'issuing.key' }, 'CA_MISSING'],
    ['a key file given as certificate', { cert: 'issuing.key', key: 'issuing.key' }, 'CA_INVALID'],
  ])('refuses %s', (_what, names, code) => {
    const files = {
      cert: input[names.cert] ?? join(tempDir(), names.cert),
      key: file(names.key),
      ...('chain' in names ? { chain: file(names.chain) } : {}),
    };
    expect(codeOf(() => importCa(tempDir(), files))).toBe(code);
  });

  it('refuses a certificate that is not a CA', () => {
    const server = forgeCa('not a ca', root, { ca: false });
    const files = writeFiles(tempDir(), { 'c.pem': server.certPem, 'k.pem': server.keyPem });
    expect(
      codeOf(() =>
        importCa(tempDir(), {
          cert: files['c.pem'] ?? '',
          key: files['k.pem'] ?? '',
          chain: file('root.pem'),
        }),
      ),
    ).toBe('CA_INVALID');
  });

  it('refuses an expired intermediate', () => {
    const old = forgeCa('Old CA', root, { notAfter: new Date(Date.now() - 60_000) });
    const files = writeFiles(tempDir(), { 'c.pem': old.certPem, 'k.pem': old.keyPem });
    expect(
      codeOf(() =>
        importCa(tempDir(), {
          cert: files['c.pem'] ?? '',
          key: files['k.pem'] ?? '',
          chain: file('root.pem'),
        }),
      ),
    ).toBe('CA_EXPIRED');
  });

  it('refuses to replace an existing CA without force, and replaces it with force', () => {
    const dir = tempDir();
    initCa(dir, { years: 1 });
    const files = { cert: file('direct.pem'), key: file('direct.key'), chain: file('root.pem') };
    expect(codeOf(() => importCa(dir, files))).toBe('CA_EXISTS');
    expect(importCa(dir, files, { force: true }).kind).toBe('intermediate');
  });
});

describe.runIf(hasOpenssl)('an ECDSA P-384 intermediate made with openssl', () => {
  it('is imported from a SEC1 key and signs leaves with ecdsa-with-SHA384', () => {
    const work = tempDir();
    const paths = writeFiles(work, {
      'root.pem': root.certPem,
      'root.key': root.keyPem,
      'ext.cnf':
        '[v3]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
    }) as Record<string, string>;
    const p = (name: string): string => join(work, name);
    expect(openssl(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', p('ec.key')]).ok).toBe(
      true,
    );
    expect(
      openssl([
        'req',
        '-new',
        '-key',
        p('ec.key'),
        '-subj',
        '/O=Example Corp/CN=EC Issuing CA',
        '-out',
        p('ec.csr'),
      ]).ok,
    ).toBe(true);
    const signed = openssl([
      'x509',
      '-req',
      '-in',
      p('ec.csr'),
      '-CA',
      paths['root.pem'] ?? '',
      '-CAkey',
      paths['root.key'] ?? '',
      '-set_serial',
      '0x1234',
      '-days',
      '30',
      '-extfile',
      paths['ext.cnf'] ?? '',
      '-extensions',
      'v3',
      '-out',
      p('ec.pem'),
    ]);
    expect(signed.output).not.toMatch(/error/i);
    expect(readFileSync(p('ec.key'), 'utf8')).toContain('BEGIN EC PRIVATE KEY');

    const ca = importCa(tempDir(), { cert: p('ec.pem'), key: p('ec.key'), chain: paths['root.pem'] ?? '' });
    expect(ca.keyAlgorithm).toBe('EC P-384');
    const leaf = createLeafMinter(ca)('api.openai.com');
    writeFileSync(p('leaf.pem'), leaf.certPem);
    expect(openssl(['x509', '-in', p('leaf.pem'), '-noout', '-text']).output).toContain('ecdsa-with-SHA384');
    const r = opensslVerify(tempDir(), root.certPem, leaf.certPem, {
      untrusted: leaf.chainPem,
      host: 'api.openai.com',
    });
    expect(r.output).toContain('OK');
  });
});
