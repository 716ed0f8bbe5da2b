// Runtime configuration: defaults < --config YAML < ZDR_EGRESS_* environment < command-line flags.
// Parse, validate strictly (unknown keys name themselves), normalise, freeze.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Mode } from '../domain/decision.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** `--resolve HOST:PORT:ADDR[:ADDRPORT]`: connect to ADDR (and ADDRPORT) instead of resolving HOST. */
export interface ResolveRule {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly addressPort: number;
}

export interface Config {
  readonly listen: Endpoint;
  readonly admin: Endpoint;
  readonly policies: string;
  readonly certs: string;
  readonly data: string;
  readonly resolve: readonly ResolveRule[];
  readonly upstreamCa: readonly string[];
  readonly mode: Mode | null;
  readonly logLevel: string;
  readonly adminToken: string | null;
  /** Largest request body read for inspection; above it an inspected request is blocked. */
  readonly inspectionCapBytes: number;
  /** How long SIGTERM waits for in-flight requests and streams before closing them. */
  readonly shutdownGraceMs: number;
  /** Header and idle timeouts on client connections (slow-loris protection). */
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Time allowed to open a TCP+TLS connection to an upstream before answering 504. */
  readonly upstreamConnectTimeoutMs: number;
  /** Proxy address advertised in the PAC file; defaults to the listen address (or this host's name). */
  readonly publicAddress: string | null;
  readonly pacMode: 'ai-only' | 'all';
  readonly pacFallback: 'none' | 'direct';
  /** Private ranges the proxy may still reach (egress safety refuses private addresses otherwise). */
  readonly egressAllow: readonly string[];
  /** Client ranges allowed to use the proxy. */
  readonly clientAllow: readonly string[];
  readonly maxConnectionsPerClient: number;
  /** Processes sharing the proxy port (node:cluster); 1 = no cluster. */
  readonly workers: number;
  /** How long Continue on a warn (coach) page lasts for that user and host. */
  readonly coachAllowForMs: number;
  /** Proxy users (Basic auth, scrypt hashes); null = no proxy authentication. */
  readonly usersFile: string | null;
  /** CIDR -> user, for clients that cannot answer a 407. */
  readonly usersByCidr: Readonly<Record<string, string>>;
  readonly decisionLog: { readonly retentionDays: number; readonly onFailure: 'continue' | 'block_ai' };
  /** Raw `block_page:` section; validated by src/block/config.ts. */
  readonly blockPage: unknown;
  /** Serve Prometheus metrics at GET /metrics on the admin port (docs/telemetry.md). */
  readonly metrics: boolean;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const cidr = z
  .string()
  .refine((v) => isCidr(v), { message: 'expected an address range such as 10.0.0.0/8 or fd00::/8' });

/** Default client ranges: loopback and the private ranges, so the proxy is never open to the internet. */
export const DEFAULT_CLIENT_ALLOW = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

// One schema for every source: YAML keys, env names and flags all map onto these snake_case keys.
const schema = z.strictObject({
  listen: z.string().optional(),
  admin: z.string().optional(),
  policies: z.string().min(1).optional(),
  certs: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
  resolve: z.array(z.string()).optional(),
  upstream_ca: z.array(z.string()).optional(),
  mode: z.enum(['enforce', 'report']).optional(),
  log_level: z.enum(LOG_LEVELS).optional(),
  admin_token: z.string().min(16, 'admin_token must be at least 16 characters').optional(),
  inspection_cap: z.union([z.string(), z.number()]).optional(),
  shutdown_grace: z.union([z.string(), z.number()]).optional(),
  headers_timeout: z.union([z.string(), z.number()]).optional(),
  idle_timeout: z.union([z.string(), z.number()]).optional(),
  upstream_connect_timeout: z.union([z.string(), z.number()]).optional(),
  public_address: z.string().optional(),
  pac_mode: z.enum(['ai-only', 'all']).optional(),
  egress_allow: z.array(cidr).optional(),
  client_allow: z.array(cidr).optional(),
  max_connections_per_client: z.union([z.string(), z.number()]).optional(),
  coach_allow_for: z.union([z.string(), z.number()]).optional(),
  workers: z.union([z.literal('auto'), z.string(), z.number()]).optional(),
  users_file: z.string().min(1).optional(),
  users_by_cidr: z.record(cidr, z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/)).optional(),
  pac_fallback: z.enum(['none', 'direct']).optional(),
  decision_log: z
    .strictObject({
      retention_days: z.number().int().positive().optional(),
      on_failure: z.enum(['continue', 'block_ai']).optional(),
    })
    .optional(),
  block_page: z.unknown().optional(),
  metrics: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
});
type RawConfig = z.infer<typeof schema>;

/** Flag and env names for each key; repeatable keys take comma-separated env values. */
export const CONFIG_KEYS = [
  'listen',
  'admin',
  'policies',
  'certs',
  'data',
  'resolve',
  'upstream_ca',
  'mode',
  'log_level',
  'admin_token',
  'inspection_cap',
  'shutdown_grace',
  'headers_timeout',
  'idle_timeout',
  'upstream_connect_timeout',
  'public_address',
  'pac_mode',
  'pac_fallback',
  'metrics',
  'egress_allow',
  'client_allow',
  'max_connections_per_client',
  'coach_allow_for',
  'workers',
  'users_file',
] as const;
const REPEATABLE = new Set(['resolve', 'upstream_ca', 'egress_allow', 'client_allow']);

export function envName(key: string): string {
  return `ZDR_EGRESS_${key.toUpperCase()}`;
}

/** Reads ZDR_EGRESS_* variables; an unknown ZDR_EGRESS_ name is an error (a typo must not pass silently). */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const known = new Set<string>(CONFIG_KEYS.map(envName));
  known.add('ZDR_EGRESS_CONFIG');
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('ZDR_EGRESS_') || value === undefined || value === '') continue;
    if (name.startsWith('ZDR_EGRESS_TEST_')) continue; // test-only switches, read where they apply
    if (name === 'ZDR_EGRESS_CLUSTER_WORKER') continue; // set by the cluster primary for its workers
    if (!known.has(name)) throw new ConfigError(`unknown environment variable ${name}`);
    if (name === 'ZDR_EGRESS_CONFIG') continue;
    const key = name.slice('ZDR_EGRESS_'.length).toLowerCase();
    out[key] = REPEATABLE.has(key) ? value.split(',').map((s) => s.trim()) : value;
  }
  return out;
}

export function configFromFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`${path}: must be a mapping of keys`);
  return doc as Record<string, unknown>;
}

/** Merges the layers (later wins) and validates. `source` names where a bad key came from. */
export function resolveConfig(
  layers: readonly { source: string; values: Record<string, unknown> }[],
): Config {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    const parsed = schema.safeParse(layer.values);
    if (!parsed.success) throw new ConfigError(formatIssues(layer.source, parsed.error));
    Object.assign(merged, stripUndefined(parsed.data));
  }
  return normalise(merged as RawConfig);
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function formatIssues(source: string, error: z.ZodError): string {
  return error.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys')
        return `${source}: unknown key ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      const where = i.path.length > 0 ? i.path.join('.') : '(top level)';
      return `${source}: ${where}: ${i.message}`;
    })
    .join('\n');
}

function normalise(raw: RawConfig): Config {
  return Object.freeze({
    listen: parseEndpoint('listen', raw.listen ?? '0.0.0.0:8080'),
    admin: parseEndpoint('admin', raw.admin ?? '127.0.0.1:8081'),
    policies: raw.policies ?? './policies',
    certs: raw.certs ?? './certs',
    data: raw.data ?? './data',
    resolve: (raw.resolve ?? []).map(parseResolve),
    upstreamCa: raw.upstream_ca ?? [],
    mode: raw.mode ?? null,
    logLevel: raw.log_level ?? 'info',
    adminToken: raw.admin_token ?? null,
    inspectionCapBytes: parseSize('inspection_cap', raw.inspection_cap ?? '16MiB'),
    shutdownGraceMs: parseDuration('shutdown_grace', raw.shutdown_grace ?? '25s'),
    headersTimeoutMs: parseDuration('headers_timeout', raw.headers_timeout ?? '30s'),
    idleTimeoutMs: parseDuration('idle_timeout', raw.idle_timeout ?? '120s'),
    upstreamConnectTimeoutMs: parseDuration(
      'upstream_connect_timeout',
      raw.upstream_connect_timeout ?? '10s',
    ),
    publicAddress:
      raw.public_address === undefined
        ? null
        : formatEndpoint(parseEndpoint('public_address', raw.public_address)),
    pacMode: raw.pac_mode ?? 'ai-only',
    pacFallback: raw.pac_fallback ?? 'none',
    egressAllow: raw.egress_allow ?? [],
    clientAllow: raw.client_allow ?? DEFAULT_CLIENT_ALLOW,
    maxConnectionsPerClient:
      raw.max_connections_per_client === undefined
        ? 2048
        : parseCount('max_connections_per_client', raw.max_connections_per_client),
    coachAllowForMs: parseDuration('coach_allow_for', raw.coach_allow_for ?? '1h'),
    workers:
      raw.workers === undefined
        ? 1
        : raw.workers === 'auto'
          ? availableParallelism()
          : parseCount('workers', raw.workers),
    usersFile: raw.users_file ?? null,
    usersByCidr: raw.users_by_cidr ?? {},
    decisionLog: {
      retentionDays: raw.decision_log?.retention_days ?? 90,
      onFailure: raw.decision_log?.on_failure ?? 'continue',
    },
    blockPage: raw.block_page ?? null,
    metrics: raw.metrics === true || raw.metrics === 'true',
  });
}

export function parseEndpoint(key: string, value: string): Endpoint {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new ConfigError(`${key}: expected HOST:PORT (e.g. 127.0.0.1:8080), got "${value}"`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function formatEndpoint(e: Endpoint): string {
  return `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

function parseResolve(value: string): ResolveRule {
  // HOST:PORT:ADDR or HOST:PORT:ADDR:ADDRPORT; ADDR may be a bracketed IPv6 literal.
  const m = /^([^:[\]]+):(\d{1,5}):(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m)
    throw new ConfigError(
      `resolve: expected HOST:PORT:ADDR[:PORT] (e.g. api.openai.com:443:127.0.0.1), got "${value}"`,
    );
  const [, host, port, address, addressPort] = m as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  return {
    host: host.toLowerCase().replace(/\.$/, ''),
    port: Number(port),
    address: bare,
    addressPort: addressPort === undefined ? Number(port) : Number(addressPort),
  };
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
};

export function parseSize(key: string, value: string | number): number {
  if (typeof value === 'number') return checkPositive(key, value, String(value));
  const m = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new ConfigError(`${key}: expected a size such as 16MiB or 1048576, got "${value}"`);
  return checkPositive(key, Number(m[1]) * unit, value);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(key: string, value: string | number): number {
  if (typeof value === 'number') return checkPositive(key, value, String(value));
  const m = /^(\d+)\s*(ms|s|m|h)$/.exec(value.trim());
  const unit = m ? DURATION_UNITS[m[2] as string] : undefined;
  if (!m || unit === undefined)
    throw new ConfigError(`${key}: expected a duration such as 30s, 500ms or 2m, got "${value}"`);
  return checkPositive(key, Number(m[1]) * unit, value);
}

function parseCount(key: string, value: string | number): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return checkPositive(key, n, String(value));
}

function isCidr(value: string): boolean {
  const m = /^([0-9a-fA-F:.]+)(?:\/(\d{1,3}))?$/.exec(value);
  if (!m) return false;
  const addr = m[1] as string;
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(addr);
  const v6 = !v4 && addr.includes(':');
  if (v4 && !addr.split('.').every((o) => Number(o) <= 255)) return false;
  const bits = m[2] === undefined ? (v4 ? 32 : 128) : Number(m[2]);
  return (v4 && bits <= 32) || (v6 && bits <= 128);
}

function checkPositive(key: string, n: number, shown: string): number {
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new ConfigError(`${key}: must be a positive whole number, got "${shown}"`);
  return n;
}
