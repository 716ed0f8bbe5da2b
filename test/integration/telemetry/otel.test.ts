// Telemetry end to end: a real zdr-egress (in process) exports spans, metrics and decision log
// records over OTLP/HTTP to a real local receiver, and serves Prometheus text at /metrics on the
// admin port. Each signal carries the allow-listed metadata and nothing of the request.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../../src/domain/record.js';
import { planTelemetry } from '../../../src/telemetry/otel-env.js';
import { startTelemetry } from '../../../src/telemetry/otel.js';
import { proxiedAgent } from '../../helpers/clients.js';
import { startTestEgress, type TestEgress } from '../../helpers/egress.js';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';
import { startOtlpReceiver, type OtlpReceiver } from '../../helpers/otlp-receiver.js';

const KEY = 'sk-proj-telemetryAAAAAAAAAAAAAAAT3BlbkFJtelemetryBBBBBBBBBBBBBBBB';
const SECRET = 'CANARY-telemetry-7c1d';

interface JsonKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}
interface JsonSpan {
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: JsonKeyValue[];
}

function attrs(list: JsonKeyValue[]): Record<string, string | number> {
  return Object.fromEntries(list.map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue)]));
}

function spans(receiver: OtlpReceiver): JsonSpan[] {
  return receiver
    .json('traces')
    .flatMap((p) => (p as { resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[] }).resourceSpans)
    .flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
}

function logRecords(receiver: OtlpReceiver): { eventName?: string; attributes: JsonKeyValue[] }[] {
  return receiver
    .json('logs')
    .flatMap(
      (p) =>
        (
          p as {
            resourceLogs: {
              scopeLogs: { logRecords: { eventName?: string; attributes: JsonKeyValue[] }[] }[];
            }[];
          }
        ).resourceLogs,
    )
    .flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
}

const OTEL_ENV = {
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_METRIC_EXPORT_INTERVAL: '300',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  OTEL_BLRP_SCHEDULE_DELAY: '50',
  OTEL_SERVICE_NAME: 'zdr-egress-test',
};

describe('OTLP export from a running zdr-egress', () => {
  let receiver: OtlpReceiver;
  let upstream: FakeUpstream;
  let zdr: TestEgress;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    for (const [k, v] of Object.entries({ ...OTEL_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    upstream = await startFakeUpstream();
    await upstream.server
      .forPost('/v1/chat/completions')
      .thenJson(200, { id: 'chatcmpl-1', object: 'chat.completion' });
    zdr = await startTestEgress({
      resolve: upstream.resolveFor('api.openai.com', 'chatgpt.com'),
      upstreamCa: [upstream.caFile],
      approve: [{ provider: 'openai', key: KEY }],
      config: { metrics: true },
    });
    const agent = proxiedAgent(zdr.proxyUrl, zdr.caPem);
    const allowed = await request(`https://api.openai.com/v1/chat/completions?trace=${SECRET}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-secret': SECRET },
      body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: SECRET }] }),
    });
    await allowed.body.text();
    const blocked = await request(`https://chatgpt.com/?q=${SECRET}`, {
      dispatcher: agent,
      headers: { accept: 'text/html' },
    });
    await blocked.body.text();
    await agent.close();
  });

  afterAll(async () => {
    await zdr?.stop();
    await upstream?.stop();
    await receiver?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('exports one server span per decision, timed from the record, with allow-listed attributes', async () => {
    await receiver.waitFor('traces', 'chatgpt.com');
    await receiver.waitFor('traces', 'api.openai.com');
    const byHost = new Map(spans(receiver).map((s) => [attrs(s.attributes)['server.address'], s]));
    const api = byHost.get('api.openai.com');
    expect(api?.name).toBe('POST api.openai.com');
    expect(api?.kind).toBe(2); // SERVER
    expect(BigInt(api?.endTimeUnixNano ?? 0)).toBeGreaterThanOrEqual(BigInt(api?.startTimeUnixNano ?? 0));
    // The record's ts (epoch ms) became the span's start: within the last minute, not shifted.
    const startMs = Number(BigInt(api?.startTimeUnixNano ?? 0) / 1_000_000n);
    expect(Math.abs(Date.now() - startMs)).toBeLessThan(60_000);
    expect(attrs(api?.attributes ?? [])).toMatchObject({
      'http.request.method': 'POST',
      'url.path': '/v1/chat/completions',
      'http.response.status_code': 200,
      'zdr.decision': 'allow',
      'zdr.reason': 'allowed',
      'zdr.provider': 'openai',
      'zdr.surface': 'api',
    });
    expect(attrs(byHost.get('chatgpt.com')?.attributes ?? [])).toMatchObject({
      'url.path': '/',
      'zdr.decision': 'block',
      'zdr.reason': 'consumer_surface',
      'http.response.status_code': 403,
    });
  });

  it('exports decision events as log records with the same attributes', async () => {
    await receiver.waitFor('logs', 'consumer_surface');
    const events = logRecords(receiver).filter((r) => r.eventName === 'zdr_egress.decision');
    expect(events.map((e) => attrs(e.attributes)['zdr.reason']).sort()).toEqual([
      'allowed',
      'consumer_surface',
    ]);
  });

  it('exports the decisions counter with low-cardinality labels and the live gauges', async () => {
    await receiver.waitFor('metrics', 'zdr_egress.decisions');
    await receiver.waitFor('metrics', 'zdr_egress.leaf_cache.misses');
    const text = receiver
      .bySignal('metrics')
      .map((p) => p.body.toString('utf8'))
      .join('\n');
    for (const name of [
      'zdr_egress.request.duration',
      'zdr_egress.connections.active',
      'zdr_egress.tunnels.active',
      'zdr_egress.decision_log.dropped',
    ])
      expect(text).toContain(name);
    expect(text).toContain('"zdr-egress-test"'); // OTEL_SERVICE_NAME reached the resource
  });

  it('serves Prometheus text at /metrics on the admin port', async () => {
    const res = await request(`${zdr.adminUrl}/metrics`);
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(text).toMatch(
      /zdr_egress_decisions_total\{[^}]*action="block"[^}]*reason="consumer_surface"[^}]*\} 1/,
    );
    expect(text).toMatch(
      /zdr_egress_decisions_total\{[^}]*action="allow"[^}]*provider="openai"[^}]*surface="api"[^}]*\} 1/,
    );
    expect(text).toContain('zdr_egress_request_duration_bucket');
    expect(text).toMatch(/zdr_egress_leaf_cache_misses_total(\{[^}]*\})? [1-9]/);
  });

  it('exports no resource attribute about the process or the host', () => {
    const text = receiver.payloads.map((p) => p.body.toString('utf8')).join('\n');
    for (const key of [
      'process.command_args',
      'process.command_line',
      'process.executable.path',
      'host.name',
    ])
      expect(text).not.toContain(key);
  });

  it('sends nothing of the request anywhere: no header value, query string or body', () => {
    expect(receiver.payloads.length).toBeGreaterThan(0);
    for (const p of receiver.payloads) expect(p.raw.includes(SECRET)).toBe(false);
    expect(zdr.logText()).not.toContain(SECRET);
  });
});

describe('startTelemetry with the default http/protobuf encoding', () => {
  it('sends protobuf payloads for all three signals and flushes them on shutdown', async () => {
    const receiver = await startOtlpReceiver();
    const saved = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
    try {
      const plan = planTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, { prometheus: false });
      if (!plan.ok) throw new Error(plan.error);
      const telemetry = startTelemetry({
        plan: plan.plan,
        sources: {
          proxyStats: () => ({ connections: 1, tunnels: 0, intercepted: 1 }),
          leafCache: () => ({ hits: 2, misses: 1 }),
          decisionLogDropped: () => 0,
        },
        serviceVersion: 'test',
      });
      const record: DecisionRecord = {
        id: 'proto-1',
        ts: Date.now() - 20,
        clientIp: '127.0.0.1',
        user: null,
        host: 'api.anthropic.com',
        port: 443,
        method: 'POST',
        path: '/v1/messages',
        provider: 'anthropic',
        surface: 'api',
        credentialKind: null,
        credentialFp: null,
        action: 'block',
        reason: 'missing_credential',
        ruleId: 'credentials.required',
        status: 403,
        bytesUp: 0,
        bytesDown: 120,
        durationMs: 20,
        policyVersion: 'v',
      };
      telemetry.recordDecision(record);
      telemetry.recordPolicyReload(false);
      await telemetry.shutdown();
      for (const signal of ['traces', 'metrics', 'logs'] as const) {
        const got = receiver.bySignal(signal);
        expect(got.length, signal).toBeGreaterThan(0);
        expect(got.every((p) => p.contentType === 'application/x-protobuf')).toBe(true);
      }
      // Protobuf keeps strings as raw UTF-8: the scans of the zero-retention proof see them.
      expect(receiver.bySignal('traces').some((p) => p.body.includes('api.anthropic.com'))).toBe(true);
      expect(receiver.bySignal('metrics').some((p) => p.body.includes('zdr_egress.policy.reloads'))).toBe(
        true,
      );
    } finally {
      if (saved === undefined) delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
      else process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = saved;
      await receiver.close();
    }
  });

  it('does nothing at all when no endpoint and no Prometheus are configured', async () => {
    const plan = planTelemetry({}, { prometheus: false });
    if (!plan.ok) throw new Error(plan.error);
    const t = startTelemetry({
      plan: plan.plan,
      sources: {
        proxyStats: () => ({ connections: 0, tunnels: 0, intercepted: 0 }),
        leafCache: () => ({ hits: 0, misses: 0 }),
        decisionLogDropped: () => 0,
      },
    });
    expect(t.metricsHandler).toBeNull();
    await t.shutdown();
  });
});
