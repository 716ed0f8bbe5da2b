// A real OTLP/HTTP receiver on 127.0.0.1: it accepts POST /v1/traces, /v1/metrics and /v1/logs
// (protobuf or JSON, gzip or not), answers 200 with an empty export response, and keeps every raw
// body exactly as received so tests can both parse it and scan its bytes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type OtlpSignal = 'traces' | 'metrics' | 'logs';

export interface OtlpPayload {
  readonly signal: OtlpSignal;
  readonly contentType: string;
  /** The body as sent on the wire (possibly gzip). */
  readonly raw: Buffer;
  /** The body after content-encoding is undone. */
  readonly body: Buffer;
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporters append /v1/<signal>). */
  readonly url: string;
  readonly payloads: OtlpPayload[];
  bySignal(signal: OtlpSignal): OtlpPayload[];
  /** Parsed JSON bodies of one signal (http/json payloads only). */
  json(signal: OtlpSignal): unknown[];
  /** Resolves once `signal` has delivered a payload whose text contains `needle` (or rejects after ms). */
  waitFor(signal: OtlpSignal, needle: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

const PATHS: Record<string, OtlpSignal> = {
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
  '/v1/logs': 'logs',
};

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const payloads: OtlpPayload[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const signal = PATHS[(req.url ?? '').split('?')[0] ?? ''];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || signal === undefined) {
        res.writeHead(404).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const contentType = req.headers['content-type'] ?? '';
      payloads.push({ signal, contentType, raw, body });
      for (const w of waiters) w();
      // An empty Export*ServiceResponse: `{}` in JSON, zero bytes in protobuf.
      if (contentType.includes('json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const bySignal = (signal: OtlpSignal): OtlpPayload[] => payloads.filter((p) => p.signal === signal);
  return {
    url: `http://127.0.0.1:${port}`,
    payloads,
    bySignal,
    json: (signal) =>
      bySignal(signal)
        .filter((p) => p.contentType.includes('json'))
        .map((p) => JSON.parse(p.body.toString('utf8')) as unknown),
    waitFor(signal, needle, ms = 10_000) {
      const seen = (): boolean => bySignal(signal).some((p) => p.body.includes(needle));
      if (seen()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!seen()) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${signal} payload containing ${JSON.stringify(needle)} within ${ms} ms`));
        }, ms);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
