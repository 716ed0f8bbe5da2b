// `zdr-egress doctor`: run on a client machine, checks what a help-desk ticket would otherwise
// find out slowly: the proxy answers, an AI host is intercepted with our CA, and this machine's
// Node and OpenSSL trust that CA. Each failed check says what to fix.

import { execFile } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';

export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do when the check failed. */
  readonly fix?: string;
}

export interface DoctorOptions {
  /** http://host:port of the proxy. */
  readonly proxy: string;
  /** An intercepted host to test with (default api.openai.com). */
  readonly host: string;
  readonly proxyUser?: string | undefined;
  /** The proxy's CA certificate (PEM), to check interception exactly; else the issuer name is used. */
  readonly caPem?: string | undefined;
  readonly timeoutMs?: number;
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const tunnel = await openTunnel(o).catch((err: Error) => err);
  if (tunnel instanceof Error) {
    checks.push({
      name: 'proxy answers',
      ok: false,
      detail: tunnel.message,
      fix: `Check the proxy address (${o.proxy}), that this machine may reach it, and your PAC or HTTPS_PROXY settings.`,
    });
    return checks;
  }
  checks.push({ name: 'proxy answers', ok: true, detail: `CONNECT ${o.host}:443 accepted by ${o.proxy}` });

  const shown = await handshake(tunnel, o.host, o.caPem);
  const leafIssuer = oneLine(String(shown.chain[0]?.issuer?.CN ?? ''));
  const intercepted =
    o.caPem !== undefined
      ? shown.error === null
      : shown.chain.some((c) => /zdr-egress/i.test(String(c.issuer?.CN ?? '')));
  checks.push({
    name: `${o.host} is intercepted by the proxy's CA`,
    ok: intercepted,
    detail:
      shown.chain.length === 0
        ? `no certificate (${shown.error ?? 'handshake failed'})`
        : `leaf issued by "${leafIssuer}"${o.caPem !== undefined ? (intercepted ? ', verified against --ca' : `, not verified against --ca (${shown.error ?? ''})`) : ''}`,
    ...(intercepted
      ? {}
      : {
          fix: 'Either the proxy does not intercept this host (zdr-egress policy explain GET https://HOST/) or another device on the path re-signs TLS; compare with the CA from the admin port /ca.pem.',
        }),
  });

  const node = await handshake(await openTunnel(o), o.host, null);
  checks.push({
    name: 'Node.js trusts the proxy CA',
    ok: node.error === null,
    detail: node.error === null ? 'verified with Node’s CA store' : `verification failed: ${node.error}`,
    ...(node.error === null
      ? {}
      : {
          fix: 'Node.js ignores the OS store: export NODE_EXTRA_CA_CERTS=/path/to/zdr-egress-ca.pem (download it from the admin port /ca.pem).',
        }),
  });

  const openssl = await opensslVerify(o);
  checks.push(openssl);
  return checks;
}

function openTunnel(o: DoctorOptions): Promise<net.Socket> {
  const url = new URL(o.proxy);
  const headers: Record<string, string> = { host: `${o.host}:443` };
  if (o.proxyUser !== undefined)
    headers['proxy-authorization'] = `Basic ${Buffer.from(o.proxyUser).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname,
      port: url.port || 8080,
      method: 'CONNECT',
      path: `${o.host}:443`,
      headers,
      timeout: o.timeoutMs ?? 10_000,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      const reason = res.headers['x-zdr-egress-reason'];
      reject(
        new Error(
          `the proxy answered ${res.statusCode ?? 0}${typeof reason === 'string' ? ` (${reason})` : ''}`,
        ),
      );
    });
    req.once('response', (res) => {
      res.resume();
      reject(
        new Error(
          `the proxy answered ${res.statusCode ?? 0} to CONNECT${res.statusCode === 407 ? ': it needs credentials (--proxy-user NAME:PASSWORD)' : ''}`,
        ),
      );
    });
    req.once('timeout', () => req.destroy(new Error('no answer in time')));
    req.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot reach the proxy: ${err.code ?? err.message}`)),
    );
    req.end();
  });
}

/**
 * One TLS handshake through the tunnel. `trust`: a CA PEM to verify against, null for Node's own
 * store, undefined for no verification at all.
 */
function handshake(
  socket: net.Socket,
  host: string,
  trust: string | null | undefined,
): Promise<{ chain: tls.PeerCertificate[]; error: string | null }> {
  const verify = trust !== undefined;
  return new Promise((resolve) => {
    const s = tls.connect({
      socket,
      servername: host,
      rejectUnauthorized: false,
      ...(typeof trust === 'string' ? { ca: trust } : {}),
    });
    s.once('secureConnect', () => {
      const chain: tls.PeerCertificate[] = [];
      let cert: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
      while (cert !== undefined && Object.keys(cert).length > 0 && !chain.includes(cert)) {
        chain.push(cert);
        cert = cert.issuerCertificate === cert ? undefined : cert.issuerCertificate;
      }
      const error = verify ? (s.authorized ? null : String(s.authorizationError)) : null;
      s.destroy();
      resolve({ chain, error });
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve({ chain: [], error: err.code ?? err.message }));
  });
}

function opensslVerify(o: DoctorOptions): Promise<DoctorCheck> {
  const url = new URL(o.proxy);
  const args = [
    's_client',
    '-proxy',
    `${url.hostname}:${url.port || 8080}`,
    '-connect',
    `${o.host}:443`,
    '-servername',
    o.host,
    '-verify_return_error',
    '-brief',
  ];
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { timeout: o.timeoutMs ?? 10_000 }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      const ok = /Verification: OK|Verify return code: 0/.test(text);
      const notFound = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({
        name: 'OpenSSL trusts the proxy CA',
        ok,
        detail: ok
          ? 'verified with the system CA store'
          : notFound
            ? 'openssl is not installed'
            : `verification failed: ${firstError(text)}`,
        ...(ok
          ? {}
          : {
              fix: 'Install the CA in the OS store: Debian/Ubuntu: copy it to /usr/local/share/ca-certificates/zdr-egress.crt and run update-ca-certificates; macOS: the MDM profile (/ca.mobileconfig); Windows: GPO or Intune (docs/ca.md).',
            }),
      });
    });
    child.stdin?.end();
  });
}

function firstError(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => /verify error|error|unable/i.test(l))
      ?.trim()
      .slice(0, 160) ?? 'no verified chain'
  );
}

function oneLine(s: string): string {
  return s.replace(/\n/g, ', ');
}
