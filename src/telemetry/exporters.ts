// OTLP/HTTP exporters per signal, in the encoding the plan chose. Endpoint, headers, timeout and
// compression come from the standard OTEL_EXPORTER_OTLP_* variables, which the exporters read
// themselves. http/json uses the *-otlp-http packages; http/protobuf (the OTel default) the
// *-otlp-proto packages that @opentelemetry/sdk-node ships with.

import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { metrics, tracing } from '@opentelemetry/sdk-node';
import type { TelemetryPlan } from './otel-env.js';

export interface Exporters {
  readonly traces: tracing.SpanExporter | null;
  readonly metrics: metrics.PushMetricExporter | null;
  readonly logs: LogRecordExporter | null;
}

export function createExporters(plan: TelemetryPlan): Exporters {
  const { traces, metrics: metricsProtocol, logs } = plan.otlp;
  return {
    traces:
      traces === null ? null : traces === 'http/json' ? new JsonTraceExporter() : new ProtoTraceExporter(),
    metrics:
      metricsProtocol === null
        ? null
        : metricsProtocol === 'http/json'
          ? new JsonMetricExporter()
          : new ProtoMetricExporter(),
    logs: logs === null ? null : logs === 'http/json' ? new JsonLogExporter() : new ProtoLogExporter(),
  };
}
