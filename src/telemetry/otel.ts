// OpenTelemetry for zdr-egress: metrics, one span per decision and decision events as log records,
// all built after the fact from the allow-listed DecisionRecord (attributes.ts). The providers are
// private to this module and never registered as the global OTel providers: nothing else in the
// process (a dependency, a future auto-instrumentation) can emit through this pipeline, and no
// HTTP instrumentation ever sees a URL, a header or a body. The resource is built by hand
// (resource.ts) for the same reason.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { SeverityNumber, type Logger as OtelLogger } from '@opentelemetry/api-logs';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { metrics, tracing } from '@opentelemetry/sdk-node';
import type { DecisionRecord, TunnelRecord } from '../domain/record.js';
import {
  decisionEventAttributes,
  decisionMetricAttributes,
  decisionSpanName,
  durationMetricAttributes,
} from './attributes.js';
import { createExporters } from './exporters.js';
import { createInstruments, type TelemetrySources } from './instruments.js';
import { planIsActive, type TelemetryPlan } from './otel-env.js';
import { buildResource, packageVersion } from './resource.js';

export type { TelemetrySources };

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

  const instruments =
    meterProvider === null ? null : createInstruments(meterProvider.getMeter(SCOPE), opts.sources);
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

function batchLogConfig(env: Readonly<Record<string, string | undefined>>) {
  const num = (name: string): number | undefined => {
    const n = Number(env[name]);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const out: {
    scheduledDelayMillis?: number;
    maxQueueSize?: number;
    maxExportBatchSize?: number;
    exportTimeoutMillis?: number;
  } = {};
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
