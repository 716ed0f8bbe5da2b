// A throwaway upstream PKI for the bench and soak fake upstreams: an ECDSA P-256 CA (ca.pem, ca.key)
// and a leaf for one host (upstream.pem, upstream.key) in `dir`, made with openssl, valid two days.
// The proxy trusts it only through --upstream-ca.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function makeUpstreamPki(dir, host, caName) {
  const ossl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ossl(
    'req',
    '-x509',
    ...p256,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    `/CN=${caName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  ossl('req', '-new', ...p256, '-keyout', 'upstream.key', '-out', 'upstream.csr', '-subj', `/CN=${host}`);
  fs.writeFileSync(path.join(dir, 'ext'), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
  ossl(
    'x509',
    '-req',
    '-in',
    'upstream.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'ext',
    '-out',
    'upstream.pem',
  );
}
