// The OTEL_* environment decides what is exported: nothing without an endpoint, OTLP/HTTP only,
// and a clear error for a setting zdr-egress does not support.
import { describe, expect, it } from 'vitest';
import { planIsActive, planTelemetry } from '../../../src/telemetry/otel-env.js';

const ENDPOINT = 'http://collector:4318';

describe('planTelemetry', () => {
  it('exports nothing when no endpoint is set, even with exporters named', () => {
    const r = planTelemetry({ OTEL_TRACES_EXPORTER: 'otlp' }, { prometheus: false });
    expect(r).toEqual({
      ok: true,
      plan: {
        otlp: { traces: null, metrics: null, logs: null },
        prometheus: false,
        metricIntervalMs: 60_000,
        metricTimeoutMs: 30_000,
      },
    });
    if (r.ok) expect(planIsActive(r.plan)).toBe(false);
  });

  it.each([
    [
      'the common endpoint turns on every signal in protobuf',
      { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT },
      { traces: 'http/protobuf', metrics: 'http/protobuf', logs: 'http/protobuf' },
    ],
    [
      'a signal endpoint turns on that signal only',
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${ENDPOINT}/v1/traces` },
      { traces: 'http/protobuf', metrics: null, logs: null },
    ],
    [
      'http/json applies to all signals',
      { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      { traces: 'http/json', metrics: 'http/json', logs: 'http/json' },
    ],
    [
      'a signal protocol wins over the common one',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
      },
      { traces: 'http/json', metrics: 'http/json', logs: 'http/protobuf' },
    ],
    [
      'OTEL_<SIGNAL>_EXPORTER=none turns that signal off',
      { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_LOGS_EXPORTER: 'none' },
      { traces: 'http/protobuf', metrics: 'http/protobuf', logs: null },
    ],
    [
      'OTEL_SDK_DISABLED=true turns every signal off',
      { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_SDK_DISABLED: 'true' },
      { traces: null, metrics: null, logs: null },
    ],
    [
      'OTEL_METRICS_EXPORTER=prometheus alone sends no OTLP metrics',
      { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_METRICS_EXPORTER: 'prometheus' },
      { traces: 'http/protobuf', metrics: null, logs: 'http/protobuf' },
    ],
    [
      'OTEL_METRICS_EXPORTER=otlp,prometheus sends both',
      { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_METRICS_EXPORTER: 'otlp,prometheus' },
      { traces: 'http/protobuf', metrics: 'http/protobuf', logs: 'http/protobuf' },
    ],
  ] as const)('%s', (_name, env, otlp) => {
    const r = planTelemetry(env, { prometheus: false });
    expect(r.ok && r.plan.otlp).toEqual(otlp);
  });

  it('turns Prometheus on from --metrics or from OTEL_METRICS_EXPORTER=prometheus', () => {
    const flag = planTelemetry({}, { prometheus: true });
    const env = planTelemetry({ OTEL_METRICS_EXPORTER: 'prometheus' }, { prometheus: false });
    expect(flag.ok && flag.plan.prometheus && planIsActive(flag.plan)).toBe(true);
    expect(env.ok && env.plan.prometheus).toBe(true);
  });

  it('reads the metric export interval and keeps the timeout within it', () => {
    const r = planTelemetry({ OTEL_METRIC_EXPORT_INTERVAL: '1000' }, { prometheus: false });
    expect(r.ok && [r.plan.metricIntervalMs, r.plan.metricTimeoutMs]).toEqual([1000, 1000]);
  });

  it.each([
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      /grpc.*not supported.*http\/protobuf or http\/json/,
    ],
    [{ OTEL_TRACES_EXPORTER: 'console' }, /OTEL_TRACES_EXPORTER=console is not supported: use otlp or none/],
    [{ OTEL_METRICS_EXPORTER: 'zipkin' }, /use otlp, prometheus or none/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /must be an http:\/\/ or https:\/\/ URL/],
    [{ OTEL_METRIC_EXPORT_INTERVAL: 'soon' }, /OTEL_METRIC_EXPORT_INTERVAL must be a positive number/],
  ])('refuses %o with a message naming the setting', (env, message) => {
    const r = planTelemetry(env, { prometheus: false });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('never quotes the endpoint in an error (it may carry credentials)', () => {
    const r = planTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'user:s3cret@collector' }, { prometheus: false });
    expect(!r.ok && r.error).not.toContain('s3cret');
  });
});
