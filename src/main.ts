// Composition root: builds every part from the configuration and wires the events the proxy
// publishes to their subscribers (decision log, pino). Nothing else knows all the parts.

import diagnostics from 'node:diagnostics_channel';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { SecureContext } from 'node:tls';
import { createDashboardHandler } from './admin/dashboard/index.js';
import { createAdminServer, listen } from './admin/server.js';
import { DEFAULT_BLOCK_PAGE, parseBlockPageConfig } from './block/config.js';
import { renderBlock } from './block/render.js';
import { loadOrCreateCa } from './ca/authority.js';
import { LeafCache } from './ca/cache.js';
import { exportCa } from './ca/export.js';
import { createLeafMinter } from './ca/leaf.js';
import { ConfigError, type Config } from './config/config.js';
import { openDecisionLog, type DecisionLog } from './decision-log/log.js';
import { openReportClient } from './decision-log/report-client.js';
import type { Mode } from './domain/decision.js';
import { DECISION_CHANNEL, TUNNEL_CHANNEL, type DecisionRecord, type TunnelRecord } from './domain/record.js';
import { buildPac } from './pac/pac.js';
import { loadPolicyDir, watchPolicyDir, type PolicyIssue } from './policy/load.js';
import type { CompiledPolicy } from './policy/types.js';
import { FAULT_CHANNEL, type FaultEvent } from './proxy/events.js';
import { createLeafContextBuilder } from './proxy/leaf-context.js';
import { createProxyServer } from './proxy/server.js';
import { createUpstreamAgent } from './proxy/upstream.js';
import { createEgressGuard } from './proxy/egress-guard.js';
import { createIdentifier } from './proxy/identity.js';
import { createLogger, logDecision, logTunnel, type Logger } from './telemetry/logger.js';
import type { Telemetry } from './telemetry/otel.js';
import { planIsActive, planTelemetry } from './telemetry/otel-env.js';

export interface RunningEgress {
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly caFingerprint: string;
  readonly caSpki: string;
  readonly caPem: string;
  readonly policyVersion: () => string | null;
  /** Graceful stop: drain, flush the decision log, close. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  readonly logger?: Logger;
  /** Where the one startup line goes (stdout by default). */
  readonly announce?: (line: string) => void;
  /** A decision sink other than a local SQLite log: the cluster worker forwards to the one writer. */
  readonly decisionLog?: DecisionLog;
}

export async function startEgress(config: Config, options: StartOptions = {}): Promise<RunningEgress> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const mode: Mode | undefined = config.mode ?? undefined;

  const blockPage =
    config.blockPage === null
      ? { ok: true as const, config: DEFAULT_BLOCK_PAGE }
      : parseBlockPageConfig(config.blockPage);
  if (!blockPage.ok) throw new ConfigError(blockPage.errors.map((e) => `block_page: ${e}`).join('\n'));
  const telemetryPlan = planTelemetry(process.env, { prometheus: config.metrics });
  if (!telemetryPlan.ok) throw new ConfigError(telemetryPlan.error);

  const loaded = loadPolicyDir(config.policies, mode === undefined ? {} : { mode });
  if (!loaded.ok) throw new ConfigError(formatPolicyIssues(loaded.errors));
  let policy: CompiledPolicy = loaded.policy;
  let policyErrors: readonly PolicyIssue[] = [];

  const { ca, created } = loadOrCreateCa(config.certs);
  if (created) logger.info({ certs: config.certs }, 'created a new CA: distribute certs/ca.pem to clients');
  const mint = createLeafMinter(ca);
  const leaves = new LeafCache<SecureContext>({
    max: 2_000,
    mint,
    build: createLeafContextBuilder(ca.kind === 'root' ? [ca.certPem] : []),
  });

  try {
    mkdirSync(config.data, { recursive: true });
  } catch {
    // The decision log reports an unusable data folder itself (health, /readyz) and keeps retrying.
  }
  const log: DecisionLog =
    options.decisionLog ??
    openDecisionLog({
      dataDir: config.data,
      retentionDays: config.decisionLog.retentionDays,
      onProblem: (p) => logger.error({ kind: p.kind, code: p.code, count: p.count }, 'decision log problem'),
    });
  const auditAvailable =
    config.decisionLog.onFailure === 'block_ai' ? () => log.health().writable : () => true;

  // Observable instruments read these at collection time, after `proxy` exists.
  // The OTel SDK (~26 MB of heap) is loaded only when some signal is configured.
  const telemetry: Telemetry = !planIsActive(telemetryPlan.plan)
    ? NOOP_TELEMETRY
    : (await import('./telemetry/otel.js')).startTelemetry({
        plan: telemetryPlan.plan,
        sources: {
          proxyStats: () => proxy.stats(),
          leafCache: () => leaves,
          decisionLogDropped: () => log.health().dropped,
        },
      });
  const onDecision = (msg: unknown): void => {
    const r = msg as DecisionRecord;
    log.append(r);
    logDecision(logger, r);
    telemetry.recordDecision(r);
  };
  const onTunnel = (msg: unknown): void => {
    logTunnel(logger, msg as TunnelRecord);
    telemetry.recordTunnel(msg as TunnelRecord);
  };
  const onFault = (msg: unknown): void => {
    const f = msg as FaultEvent;
    logger.debug({ where: f.where, code: f.code }, 'fault');
  };
  diagnostics.subscribe(DECISION_CHANNEL, onDecision);
  diagnostics.subscribe(TUNNEL_CHANNEL, onTunnel);
  diagnostics.subscribe(FAULT_CHANNEL, onFault);

  // Egress safety: private destinations are refused unless allow-listed; the proxy's own
  // addresses are never a destination.
  const guard = createEgressGuard({
    allow: config.egressAllow,
    ownAddresses: ownAddresses(config.listen.host),
  });
  const identifier = createIdentifier({ usersFile: config.usersFile, usersByCidr: config.usersByCidr });
  const agent = createUpstreamAgent({
    resolve: config.resolve,
    upstreamCaFiles: config.upstreamCa,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    guard,
  });
  const proxy = createProxyServer({
    policy: () => policy,
    agent,
    secureContextFor: (host) => leaves.get(host),
    resolve: config.resolve,
    render: (input) => renderBlock(input, blockPage.config),
    inspectionCapBytes: config.inspectionCapBytes,
    headersTimeoutMs: config.headersTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    auditAvailable,
    fault: testFault(),
    guard,
    identifier,
    clientAllow: config.clientAllow,
    maxConnectionsPerClient: config.maxConnectionsPerClient,
    coachAllowForMs: config.coachAllowForMs,
  });

  const watcher = watchPolicyDir(config.policies, mode === undefined ? {} : { mode }, (result) => {
    if (result.ok) {
      if (result.policy.version !== policy.version) {
        logger.info({ policy_version: result.policy.version }, 'policy reloaded');
        telemetry.recordPolicyReload(true);
      }
      policy = result.policy;
      policyErrors = [];
    } else {
      policyErrors = result.errors;
      telemetry.recordPolicyReload(false);
      logger.error(
        { errors: formatPolicyIssues(result.errors).split('\n') },
        'policy reload failed; keeping the last good policy',
      );
    }
  });

  const reports = openReportClient([config.data]);
  const admin = createAdminServer({
    readiness: () => {
      const h = log.health();
      // A broken policy edit keeps the last good policy serving: it shows here but does not take
      // every replica out of rotation at once. An audit-strict log failure does.
      const ready = config.decisionLog.onFailure !== 'block_ai' || h.writable;
      return {
        ready,
        checks: {
          policy: {
            version: policy.version,
            reload_errors: policyErrors.map((e) => `${e.file}:${e.line}: ${e.message}`),
          },
          decision_log: {
            writable: h.writable,
            dropped: h.dropped,
            queued: h.queued,
            last_error: h.lastErrorCode,
          },
        },
      };
    },
    caPem: () => exportCa(ca, 'pem').toString('utf8'),
    caDer: () => exportCa(ca, 'der'),
    caMobileconfig: () => exportCa(ca, 'mobileconfig'),
    pac: () => pacFor(policy),
    handlers: [
      ...(telemetry.metricsHandler === null ? [] : [telemetry.metricsHandler]),
      createDashboardHandler({
        dataDirs: [config.data],
        adminToken: config.adminToken,
        // Reports need a bearer token as soon as the admin port is reachable from elsewhere.
        requireToken: !isLoopback(config.admin.host),
        client: reports,
      }),
    ],
  });
  // The PAC file is rebuilt only when the policy version changes.
  let pacCache: { version: string; text: string } | null = null;
  const pacFor = (p: CompiledPolicy): string => {
    if (pacCache?.version !== p.version) {
      pacCache = {
        version: p.version,
        text: buildPac({
          hosts: p.namedHosts,
          proxy: config.publicAddress ?? advertisedProxy(config.listen.host, proxyPort()),
          mode: config.pacMode,
          fallback: config.pacFallback,
          policyVersion: p.version,
        }),
      };
    }
    return pacCache.text;
  };

  let proxyAddr: AddressInfo | undefined;
  let adminAddr: AddressInfo | undefined;
  const proxyPort = (): number => proxyAddr?.port ?? config.listen.port;
  try {
    proxyAddr = await proxy.listen(config.listen.host, config.listen.port);
    adminAddr = await listen(admin, config.admin.host, config.admin.port);
  } catch (err) {
    watcher.close();
    proxy.server.close();
    admin.close();
    reports.close();
    log.close();
    void telemetry.shutdown();
    throw new ConfigError(
      `cannot listen: ${(err as NodeJS.ErrnoException).code ?? 'error'} (${(err as Error).message})`,
    );
  }
  const proxyUrl = `http://${formatHost(proxyAddr.address)}:${proxyAddr.port}`;
  const adminUrl = `http://${formatHost(adminAddr.address)}:${adminAddr.port}`;
  (options.announce ?? ((l) => process.stdout.write(l + '\n')))(
    `zdr-egress ready: proxy ${proxyUrl} admin ${adminUrl} CA SHA-256 ${ca.fingerprint256} policy ${policy.version}`,
  );

  let stopped: Promise<void> | null = null;
  return {
    proxyUrl,
    adminUrl,
    caFingerprint: ca.fingerprint256,
    caSpki: ca.spkiSha256,
    caPem: ca.certPem,
    policyVersion: () => policy.version,
    stop(graceMs = config.shutdownGraceMs) {
      stopped ??= (async () => {
        watcher.close();
        await proxy.shutdown(graceMs);
        await agent.close().catch(() => undefined);
        const adminClosed = new Promise<void>((r) => admin.close(() => r()));
        admin.closeAllConnections();
        await adminClosed;
        reports.close();
        diagnostics.unsubscribe(DECISION_CHANNEL, onDecision);
        diagnostics.unsubscribe(TUNNEL_CHANNEL, onTunnel);
        diagnostics.unsubscribe(FAULT_CHANNEL, onFault);
        log.close();
        await telemetry.shutdown();
        logger.flush?.();
      })();
      return stopped;
    },
  };
}

const NOOP_TELEMETRY: Telemetry = Object.freeze({
  recordDecision: () => undefined,
  recordTunnel: () => undefined,
  recordPolicyReload: () => undefined,
  metricsHandler: null,
  shutdown: async () => undefined,
});

/** Every address this host answers on (a wildcard listen means all interfaces). */
function ownAddresses(listenHost: string): string[] {
  const all = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
  return listenHost === '0.0.0.0' || listenHost === '::' ? all : [listenHost, ...all];
}

/** The proxy address a PAC file names when --public-address is not set. */
function advertisedProxy(listenHost: string, port: number): string {
  const host = listenHost === '0.0.0.0' || listenHost === '::' ? hostname() : listenHost;
  return `${formatHost(host)}:${port}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

export function formatPolicyIssues(errors: readonly PolicyIssue[]): string {
  return errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n');
}

/**
 * ZDR_EGRESS_TEST_FAULT=classify makes every intercepted request throw inside the decision step,
 * to prove it fails closed. It is read once at start and refused in production builds' docs.
 */
function testFault(): (() => void) | undefined {
  if (process.env.ZDR_EGRESS_TEST_FAULT !== 'classify') return undefined;
  return () => {
    throw new Error('injected fault');
  };
}
