// The metric instruments: counters and a histogram fed from decision records, and observable
// gauges and counters that read live numbers (connections, leaf cache, decision-log drops) only
// when a reader collects. Every label set comes from attributes.ts (closed sets, low cardinality).

import type { Meter } from '@opentelemetry/api';

/** Live numbers the observable instruments read at collection time. */
export interface TelemetrySources {
  readonly proxyStats: () => {
    readonly connections: number;
    readonly tunnels: number;
    readonly intercepted: number;
  };
  readonly leafCache: () => { readonly hits: number; readonly misses: number };
  readonly decisionLogDropped: () => number;
}

/** Seconds: LLM calls run from milliseconds to many minutes. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export function createInstruments(meter: Meter, sources: TelemetrySources) {
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
  gauge(
    'zdr_egress.connections.active',
    'Client connections open on the proxy port',
    () => sources.proxyStats().connections,
  );
  gauge('zdr_egress.tunnels.active', 'Raw tunnels open', () => sources.proxyStats().tunnels);
  gauge(
    'zdr_egress.intercepted.active',
    'Intercepted (TLS-terminated) connections open',
    () => sources.proxyStats().intercepted,
  );
  const total = (name: string, description: string, unit: string, read: () => number): void => {
    meter.createObservableCounter(name, { description, unit }).addCallback((o) => o.observe(read()));
  };
  total(
    'zdr_egress.leaf_cache.hits',
    'Leaf-certificate cache hits',
    '{lookup}',
    () => sources.leafCache().hits,
  );
  total(
    'zdr_egress.leaf_cache.misses',
    'Leaf certificates minted (cache misses)',
    '{lookup}',
    () => sources.leafCache().misses,
  );
  total(
    'zdr_egress.decision_log.dropped',
    'Decision records the log could not keep',
    '{record}',
    sources.decisionLogDropped,
  );
  return { decisions, duration, tunnels, reloads };
}
