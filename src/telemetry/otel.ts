// OpenTelemetry for zdr-egress: metrics, one span per decision and decision events as log records,
// all built after the fact from the allow-listed DecisionRecord (attributes.ts). The providers are
// private to this module and never registered as the global OTel providers: nothing else in the
// process (a dependency, a future auto-instrumentation) can emit through this pipeline, and no
// HTTP instrumentation ever sees a URL, a header or a body. For the same reason the resource is
// built by hand: the SDK's process detector would export the command line (which may carry
// --admin-token) and the host detector the machine's name.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanKind, SpanStatusCode, type Meter, type Tracer } from '@opentelemetry/api';
import { SeverityNumber, type Logger as OtelLogger } from '@opentelemetry/api-logs';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { metrics, resources, tracing } from '@opentelemetry/sdk-node';
import type { DecisionRecord, TunnelRecord } from '../domain/record.js';
import {
  decisionEventAttributes,
  decisionMetricAttributes,
  decisionSpanName,
  durationMetricAttributes,
} from './attributes.js';
import { createExporters } from './exporters.js';
import { planIsActive, type TelemetryPlan } from './otel-env.js';

/** Live numbers the observable instruments read at collection time. */
export interface TelemetrySources {
  readonly proxyStats: () => { readonly connections: number; readonly tunnels: number; readonly intercepted: number };
  readonly leafCache: () => { readonly hits: number; readonly misses: number };
  readonly decisionLogDropped: () => number;
}

/** An admin-server handler: answers and returns true, or returns false to let others try. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface Telemetry {
  /** Counts, times, and (when enabled) exports a span and a log record. Never throws. */
  recordDecision(r: DecisionRecord): void;
  recordTunnel(r: TunnelRecord): void;
  recordPolicyReload(ok: boolean): void;
  /** GET /metrics for the admin server when Prometheus is on, else null. */
  readonly metricsHandler: AdminHandler | null;
  /** Flushes what is queued and stops; bounded by timeoutMs so a dead collector cannot hang SIGTERM. */
  shutdown(timeoutMs?: number): Promise<void>;
}

export interface TelemetryOptions {
  readonly plan: TelemetryPlan;
  readonly sources: TelemetrySources;
  /** Defaults to package.json's version. */
  readonly serviceVersion?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const SCOPE = 'zdr-egress';
/** Seconds: LLM calls run from milliseconds to many minutes. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export const NOOP_TELEMETRY: Telemetry = Object.freeze({
  recordDecision: () => undefined,
  recordTunnel: () => undefined,
  recordPolicyReload: () => undefined,
  metricsHandler: null,
  shutdown: async () => undefined,
});

export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const { plan } = opts;
  if (!planIsActive(plan)) return NOOP_TELEMETRY;
  const env = opts.env ?? process.env;
  const version = opts.serviceVersion ?? packageVersion();
  const resource = buildResource(version);
  const exporters = createExporters(plan);

  const readers: metrics.IMetricReader[] = [];
  const prometheus = plan.prometheus ? new PrometheusExporter({ preventServerStart: true }) : null;
  if (prometheus !== null) readers.push(prometheus);
  if (exporters.metrics !== null)
    readers.push(
      new metrics.PeriodicExportingMetricReader({
        exporter: exporters.metrics,
        exportIntervalMillis: plan.metricIntervalMs,
        exportTimeoutMillis: plan.metricTimeoutMs,
      }),
    );
  const meterProvider = readers.length > 0 ? new metrics.MeterProvider({ resource, readers }) : null;
  const tracerProvider =
    exporters.traces === null
      ? null
      : new tracing.BasicTracerProvider({
          resource,
          spanProcessors: [new tracing.BatchSpanProcessor(exporters.traces)],
        });
  const loggerProvider =
    exporters.logs === null
      ? null
      : new LoggerProvider({
          resource,
          processors: [new BatchLogRecordProcessor({ exporter: exporters.logs, ...batchLogConfig(env) })],
        });

  const instruments = meterProvider === null ? null : createInstruments(meterProvider.getMeter(SCOPE), opts.sources);
  const tracer: Tracer | null = tracerProvider?.getTracer(SCOPE, version) ?? null;
  const logger: OtelLogger | null = loggerProvider?.getLogger(SCOPE, version) ?? null;

  let stopping: Promise<void> | null = null;
  return {
    recordDecision(r) {
      try {
        instruments?.decisions.add(1, decisionMetricAttributes(r));
        instruments?.duration.record(r.durationMs / 1000, durationMetricAttributes(r));
        if (tracer !== null) emitSpan(tracer, r);
        if (logger !== null) emitLogRecord(logger, r);
      } catch {
        // Telemetry must never break the request path; a lost data point is acceptable.
      }
    },
    recordTunnel() {
      try {
        instruments?.tunnels.add(1);
      } catch {
        // as above
      }
    },
    recordPolicyReload(ok) {
      instruments?.reloads.add(1, { outcome: ok ? 'success' : 'failure' });
    },
    metricsHandler:
      prometheus === null
        ? null
        : (req, res) => {
            if ((req.url ?? '').split('?')[0] !== '/metrics') return false;
            prometheus.getMetricsRequestHandler(req, res);
            return true;
          },
    shutdown(timeoutMs = 5_000) {
      stopping ??= withTimeout(
        Promise.allSettled([
          tracerProvider?.shutdown(),
          loggerProvider?.shutdown(),
          meterProvider?.shutdown(),
        ]).then(() => undefined),
        timeoutMs,
      );
      return stopping;
    },
  };
}

function emitSpan(tracer: Tracer, r: DecisionRecord): void {
  const span = tracer.startSpan(decisionSpanName(r), {
    kind: SpanKind.SERVER,
    startTime: r.ts,
    attributes: decisionEventAttributes(r),
    root: true,
  });
  if (r.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(r.ts + r.durationMs);
}

function emitLogRecord(logger: OtelLogger, r: DecisionRecord): void {
  const blocked = r.action === 'block';
  logger.emit({
    eventName: 'zdr_egress.decision',
    timestamp: r.ts,
    severityNumber: blocked ? SeverityNumber.WARN : SeverityNumber.INFO,
    severityText: blocked ? 'WARN' : 'INFO',
    body: 'decision',
    attributes: decisionEventAttributes(r),
  });
}

function createInstruments(meter: Meter, sources: TelemetrySources) {
  const decisions = meter.createCounter('zdr_egress.decisions', {
    description: 'Decisions taken, by action, reason, provider and surface',
    unit: '{decision}',
  });
  const duration = meter.createHistogram('zdr_egress.request.duration', {
    description: 'Time from request arrival to the end of the exchange (streams included)',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const tunnels = meter.createCounter('zdr_egress.tunnels', {
    description: 'Raw (never decrypted) tunnels and plain-HTTP forwards that ended',
    unit: '{tunnel}',
  });
  const reloads = meter.createCounter('zdr_egress.policy.reloads', {
    description: 'Policy reloads by outcome (a failure keeps the last good policy)',
    unit: '{reload}',
  });
  const gauge = (name: string, description: string, read: () => number): void => {
    meter.createObservableUpDownCounter(name, { description, unit: '{connection}' }).addCallback((o) => {
      o.observe(read());
    });
  };
  gauge('zdr_egress.connections.active', 'Client connections open on the proxy port', () => sources.proxyStats().connections);
  gauge('zdr_egress.tunnels.active', 'Raw tunnels open', () => sources.proxyStats().tunnels);
  gauge('zdr_egress.intercepted.active', 'Intercepted (TLS-terminated) connections open', () => sources.proxyStats().intercepted);
  const total = (name: string, description: string, unit: string, read: () => number): void => {
    meter.createObservableCounter(name, { description, unit }).addCallback((o) => o.observe(read()));
  };
  total('zdr_egress.leaf_cache.hits', 'Leaf-certificate cache hits', '{lookup}', () => sources.leafCache().hits);
  total('zdr_egress.leaf_cache.misses', 'Leaf certificates minted (cache misses)', '{lookup}', () => sources.leafCache().misses);
  total('zdr_egress.decision_log.dropped', 'Decision records the log could not keep', '{record}', sources.decisionLogDropped);
  return { decisions, duration, tunnels, reloads };
}

function buildResource(serviceVersion: string): resources.Resource {
  return resources
    .defaultResource()
    .merge(
      resources.resourceFromAttributes({
        'service.name': 'zdr-egress',
        'service.version': serviceVersion,
        'service.instance.id': randomUUID(),
      }),
    )
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES: what the operator chooses to add.
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
}

/** src/telemetry/ and dist/telemetry/ both sit two levels below package.json. */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function batchLogConfig(env: Readonly<Record<string, string | undefined>>) {
  const num = (name: string): number | undefined => {
    const n = Number(env[name]);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const out: { scheduledDelayMillis?: number; maxQueueSize?: number; maxExportBatchSize?: number; exportTimeoutMillis?: number } = {};
  const set = (key: keyof typeof out, name: string): void => {
    const v = num(name);
    if (v !== undefined) out[key] = v;
  };
  set('scheduledDelayMillis', 'OTEL_BLRP_SCHEDULE_DELAY');
  set('maxQueueSize', 'OTEL_BLRP_MAX_QUEUE_SIZE');
  set('maxExportBatchSize', 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE');
  set('exportTimeoutMillis', 'OTEL_BLRP_EXPORT_TIMEOUT');
  return out;
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void p.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
