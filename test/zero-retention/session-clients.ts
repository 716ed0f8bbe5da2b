// The hand-made clients of the session: raw TCP and raw TLS exchanges that real SDKs would never
// send, the Realtime WebSocket through a CONNECT tunnel, and Chromium on blocked sites.
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import { launchChromium } from '../helpers/browser.js';
import { connectTunnel } from '../helpers/clients.js';
import type { Canaries } from './canaries.js';
import type { GeneratedBody, SessionTarget } from './session.js';

export function record(bodies: GeneratedBody[], step: string, text: string): string {
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
  bodies.push({ step, status, text });
  return String(status);
}

export async function responseText(res: Response): Promise<string> {
  const head = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
  return `${res.status}\n${head}\n\n${await res.text()}`;
}

export function headerText(headers: Record<string, string | string[] | undefined>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('\n')
    .concat('\n\n');
}

/** Sends `text` on a fresh TCP connection and returns everything received until the peer closes. */
export function rawExchange(host: string, port: number, text: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => (chunks.length > 0 ? undefined : reject(err)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(text);
  });
}

/** CONNECT + TLS to an intercepted host, then raw HTTP/1.1 lines; returns the raw answer. */
export async function interceptedRaw(t: SessionTarget, host: string, lines: string[]): Promise<string> {
  const tunnel = await connectTunnel(t.proxyUrl, `${host}:443`);
  const socket = tls.connect({
    socket: tunnel.socket,
    servername: host,
    ca: t.trustPem,
    ALPNProtocols: ['http/1.1'],
  });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.once('secureConnect', () => socket.write(lines.join('\r\n')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => (chunks.length > 0 ? undefined : reject(err)));
    socket.on('close', () => {
      clearTimeout(timer);
      tunnel.socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** wss://api.openai.com/v1/realtime through a CONNECT tunnel: three frames each way, then close. */
export async function realtime(
  t: SessionTarget,
  c: Canaries,
  key: string,
  received: string[],
): Promise<string> {
  const tunnel = await connectTunnel(t.proxyUrl, 'api.openai.com:443');
  const socket = tls.connect({
    socket: tunnel.socket,
    servername: 'api.openai.com',
    ca: t.trustPem,
    ALPNProtocols: ['http/1.1'],
  });
  const ws = new WebSocket(
    `wss://api.openai.com/v1/realtime?model=gpt-realtime&session_hint=${c.next('query')}`,
    ['realtime', `openai-insecure-api-key.${key}`],
    { createConnection: () => socket, headers: { 'x-team-note': c.next('header') } },
  );
  // The client side of the tunnel goes when the WebSocket does, however it ends.
  socket.once('close', () => tunnel.socket.destroy());
  return new Promise((resolve, reject) => {
    let echoes = 0;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('realtime: no echo'));
    }, 5000);
    ws.on('unexpected-response', (_req, res) => {
      let body = `${res.statusCode}\n${headerText(res.headers)}`;
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => {
        clearTimeout(timer);
        ws.terminate();
        reject(Object.assign(new Error(`realtime: ${res.statusCode}`), { status: res.statusCode, body }));
      });
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('open', () => {
      for (let i = 0; i < 3; i++)
        ws.send(
          JSON.stringify({
            type: 'conversation.item.create',
            item: { content: [{ type: 'input_text', text: c.next('ws-frame') }] },
          }),
        );
    });
    ws.on('message', (data: Buffer) => {
      for (const m of data.toString('utf8').matchAll(/CANARY-ws-frame-[0-9a-f]+-\d+/g)) received.push(m[0]);
      if (++echoes === 3) {
        clearTimeout(timer);
        ws.close(1000);
        ws.once('close', () => resolve('101'));
      }
    });
  });
}

export async function browse(t: SessionTarget, c: Canaries, bodies: GeneratedBody[]): Promise<string> {
  const browser = await launchChromium([
    `--proxy-server=${t.proxyUrl}`,
    `--ignore-certificate-errors-spki-list=${t.caSpki}`,
  ]);
  try {
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-team-note': c.next('header') } });
    await context.addCookies([
      {
        name: '__Secure-next-auth.session-token',
        value: c.next('credential'),
        domain: 'chatgpt.com',
        path: '/',
        secure: true,
      },
      { name: 'sessionKey', value: c.next('credential'), domain: 'claude.ai', path: '/', secure: true },
    ]);
    const page = await context.newPage();
    const statuses: number[] = [];
    for (const url of [
      `https://chatgpt.com/?q=${c.next('query')}&hints=search`,
      `https://claude.ai/new?q=${c.next('query')}`,
    ]) {
      const res = await page.goto(url);
      if (res === null) throw new Error(`no response for ${url}`);
      statuses.push(res.status());
      bodies.push({
        step: `browser ${new URL(url).host}`,
        status: res.status(),
        text: headerText(await res.allHeaders()) + (await res.text()),
      });
    }
    await context.close();
    return statuses.join(',');
  } finally {
    await browser.close();
  }
}
