// Reads the standard OTEL_* environment into a plan: which signals are exported over OTLP/HTTP, in
// which encoding, and whether the Prometheus reader is on. Pure (the environment is a parameter).
// A signal is exported only when an endpoint is set for it (OTEL_EXPORTER_OTLP_ENDPOINT or its
// signal-specific variable): unlike the SDK default, nothing is sent to localhost:4318 by surprise.

export const SIGNALS = ['traces', 'metrics', 'logs'] as const;
export type Signal = (typeof SIGNALS)[number];

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TelemetryPlan {
  /** OTLP export per signal; null = off. */
  readonly otlp: Readonly<Record<Signal, OtlpProtocol | null>>;
  /** Serve /metrics on the admin port (--metrics, or OTEL_METRICS_EXPORTER=prometheus). */
  readonly prometheus: boolean;
  readonly metricIntervalMs: number;
  readonly metricTimeoutMs: number;
}

export type PlanResult =
  { readonly ok: true; readonly plan: TelemetryPlan } | { readonly ok: false; readonly error: string };

type Env = Readonly<Record<string, string | undefined>>;

const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json'];

export function planTelemetry(env: Env, opts: { readonly prometheus: boolean }): PlanResult {
  const disabled = (get(env, 'OTEL_SDK_DISABLED') ?? '').toLowerCase() === 'true';
  const otlp: Record<Signal, OtlpProtocol | null> = { traces: null, metrics: null, logs: null };
  let prometheus = opts.prometheus;
  for (const signal of SIGNALS) {
    const upper = signal.toUpperCase();
    const exporters = list(get(env, `OTEL_${upper}_EXPORTER`));
    for (const name of exporters) {
      if (name === 'otlp' || name === 'none') continue;
      if (signal === 'metrics' && name === 'prometheus') continue;
      const allowed = signal === 'metrics' ? 'otlp, prometheus or none' : 'otlp or none';
      return fail(`OTEL_${upper}_EXPORTER=${name} is not supported: use ${allowed}`);
    }
    if (signal === 'metrics' && exporters.includes('prometheus')) prometheus = true;
    if (disabled || exporters.includes('none')) continue;
    if (exporters.length > 0 && !exporters.includes('otlp')) continue;
    const endpoint =
      get(env, `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`) ?? get(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    if (endpoint === undefined) continue;
    if (!/^https?:\/\/[^/]/i.test(endpoint))
      return fail(`OTLP endpoint for ${signal} must be an http:// or https:// URL`);
    const protocol =
      get(env, `OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`) ??
      get(env, 'OTEL_EXPORTER_OTLP_PROTOCOL') ??
      'http/protobuf';
    if (!PROTOCOLS.includes(protocol))
      return fail(
        `OTLP protocol "${protocol}" for ${signal} is not supported: use http/protobuf or http/json (gRPC is not built in)`,
      );
    otlp[signal] = protocol as OtlpProtocol;
  }
  const interval = positive(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000);
  const timeout = positive(env, 'OTEL_METRIC_EXPORT_TIMEOUT', 30_000);
  if (typeof interval === 'string') return fail(interval);
  if (typeof timeout === 'string') return fail(timeout);
  return {
    ok: true,
    plan: {
      otlp,
      prometheus,
      metricIntervalMs: interval,
      metricTimeoutMs: Math.min(timeout, interval),
    },
  };
}

/** True when the plan exports or serves anything at all (otherwise no SDK object is built). */
export function planIsActive(plan: TelemetryPlan): boolean {
  return plan.prometheus || SIGNALS.some((s) => plan.otlp[s] !== null);
}

function get(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function list(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

function positive(env: Env, name: string, fallback: number): number | string {
  const raw = get(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) return `${name} must be a positive number of milliseconds`;
  return n;
}

function fail(error: string): PlanResult {
  return { ok: false, error };
}
