// Clients we did not write, pointed at the proxy with trust passed explicitly.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { ProxyAgent } from 'undici';

export function proxiedAgent(proxyUrl: string, caPem: string): ProxyAgent {
  return new ProxyAgent({ uri: proxyUrl, requestTls: { ca: caPem }, proxyTls: {} });
}

/** Opens a raw CONNECT tunnel; resolves with the proxy's status line, headers and the socket. */
export function connectTunnel(
  proxyUrl: string,
  authority: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; socket: net.Socket; body: string }> {
  const { hostname, port } = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: hostname,
      port,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority },
    });
    req.once('connect', (res, socket) =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, socket, body: '' }),
    );
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, socket: res.socket, body }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

/** A CONNECT tunnel to host:443 with TLS on top, trusting only `caPem`; resolves once the handshake is done. */
export async function tlsThroughTunnel(
  proxyUrl: string,
  host: string,
  caPem: string,
  alpn: readonly string[] = ['http/1.1'],
): Promise<tls.TLSSocket> {
  const t = await connectTunnel(proxyUrl, `${host}:443`);
  if (t.status !== 200) throw new Error(`CONNECT ${host}:443 answered ${t.status}`);
  const socket = tls.connect({ socket: t.socket, servername: host, ca: caPem, ALPNProtocols: [...alpn] });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  return socket;
}

const execFileP = promisify(execFile);

/** Runs curl with a clean environment (no machine-wide CA variables) and returns its output. */
export async function curl(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await execFileP('curl', ['-sS', '--max-time', '20', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}
