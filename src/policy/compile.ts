// Merges the parsed policy files into one frozen CompiledPolicy: validates what the schema cannot see
// (duplicate ids and hosts, references between sections), then precomputes every table decide() reads.

import type { Mode } from '../domain/decision.js';
import { portRule, providerBuiltins, registerBuiltins, FIXED, UNLISTED } from './builtins.js';
import { CompileContext, type Where } from './compile-context.js';
import { compileEndpoints, type FileLoc } from './compile-endpoints.js';
import { compileHosts } from './compile-hosts.js';
import { compileTenantHeaders, type TenantConfig } from './compile-tenants.js';
import { buildHostTable } from './hosts.js';
import type { Locator, PolicyIssue } from './issues.js';
import type { OverrideSpec, PolicyFile, ProviderSpec, SettingsSpec } from './schema.js';
import type { CompiledPolicy, CredentialSource, HostEntry, KeyKind, ProviderCatalog } from './types.js';

export interface ParsedFile {
  readonly file: string;
  readonly data: PolicyFile;
  readonly at: Locator;
  readonly overlay?: boolean;
}

export type CompileResult = { ok: true; policy: CompiledPolicy } | { ok: false; errors: PolicyIssue[] };

export function compile(
  files: readonly ParsedFile[],
  options: { mode?: Mode | undefined; version: string },
): CompileResult {
  const locs = files.map((f): FileLoc => ({
    file: f.file,
    where: (path) => ({ file: f.file, line: f.at.line(path) }),
  }));
  const early: PolicyIssue[] = [];
  const settings = single(files, 'settings', early);
  const tenantsFile = single(files, 'tenants', early);
  const overrides = new Map<string, OverrideSpec & { at: Where }>();
  for (const [id, o] of Object.entries(settings?.data.settings?.overrides ?? {})) {
    overrides.set(id, {
      ...o,
      at: { file: settings?.file ?? '', line: settings?.at.keyLine(['settings', 'overrides'], id) ?? 1 },
    });
  }
  const s: SettingsSpec = settings?.data.settings ?? {};
  const ctx = new CompileContext(options.mode, s.mode ?? 'enforce', overrides);
  ctx.errors.push(...early);
  registerBuiltins(ctx);

  const tenants = new Map<string, TenantConfig>();
  for (const [header, t] of Object.entries(tenantsFile?.data.tenants ?? {})) {
    const at = { file: tenantsFile?.file ?? '', line: tenantsFile?.at.keyLine(['tenants'], header) ?? 1 };
    if ((t.allow_consumer === true || t.allow_oauth_tokens === true) && t.ids.length === 0) {
      ctx.error(
        at,
        `tenants.${header}: allow_consumer and allow_oauth_tokens need at least one id in ids; without ids nothing restricts the tenant`,
      );
    }
    tenants.set(header, { ...t, at });
  }

  const entries: [string, HostEntry, Where][] = [];
  const providers = new Map<string, Where>();
  const names = new Map<string, string>();
  const declaredHeaders = new Set<string>();
  files.forEach((f, i) => {
    const loc = locs[i] as FileLoc;
    (f.data.providers ?? []).forEach((p, k) => {
      const base = ['providers', k];
      const at = loc.where([...base, 'id']);
      const first = providers.get(p.id);
      if (first !== undefined)
        return ctx.error(
          at,
          `provider '${p.id}' is already defined at ${first.file}:${first.line}; keep one definition`,
        );
      providers.set(p.id, at);
      names.set(p.id, p.name);
      for (const th of p.tenant_headers ?? []) declaredHeaders.add(th.header);
      const { table, eligible } = compileEndpoints(ctx, p, loc, base);
      const catalog: ProviderCatalog = Object.freeze({
        id: p.id,
        name: p.name,
        credentialSources: credentialSources(p),
        keyKinds: keyKinds(ctx, p, loc, base),
        oauthKinds: new Set((p.credentials?.kinds ?? []).filter((k) => k.oauth === true).map((k) => k.kind)),
        endpoints: table,
        builtins: providerBuiltins(ctx, p.name, p.mode),
      });
      const active = compileTenantHeaders(ctx, p, loc, base, tenants);
      entries.push(...compileHosts(ctx, p, loc, base, catalog, eligible, active));
    });
  });

  const seen = new Map<string, Where>();
  for (const [pattern, , at] of entries) {
    const first = seen.get(pattern);
    if (first !== undefined)
      ctx.error(
        at,
        `host '${pattern}' is already listed at ${first.file}:${first.line}; list each host once`,
      );
    else seen.set(pattern, at);
  }
  for (const [header, t] of tenants) {
    if (!declaredHeaders.has(header)) {
      ctx.error(
        t.at,
        `tenants: no provider declares the tenant header '${header}'; declared headers: ${[...declaredHeaders].join(', ') || 'none'}`,
      );
    }
  }
  const approved = approvals(ctx, files, providers);
  ctx.checkOverrides();
  if (ctx.errors.length > 0) return { ok: false, errors: sortIssues(ctx.errors) };

  const table = buildHostTable(entries.map(([pattern, entry]) => [pattern, entry] as const));
  const port = portRule(ctx);
  const policy: CompiledPolicy = {
    version: options.version,
    mode: options.mode ?? s.mode ?? 'enforce',
    allowedPorts: new Set(s.allowed_ports ?? [443]),
    lookupHost: (host) => table.lookup(host),
    namedHosts: Object.freeze(entries.map(([pattern]) => pattern).sort()),
    providers: names,
    approved,
    rules: ctx.info,
    builtins: Object.freeze({
      portNotAllowed: port,
      portVerdict: Object.freeze(
        port.enforce
          ? { kind: 'refuse', decision: port.decision }
          : { kind: 'tunnel_reported', decision: port.decision },
      ),
      unlisted: UNLISTED,
      fixed: FIXED,
    }),
  };
  return { ok: true, policy: Object.freeze(policy) };
}

function single(
  files: readonly ParsedFile[],
  key: 'settings' | 'tenants',
  errors: PolicyIssue[],
): ParsedFile | undefined {
  const all = files.filter((f) => f.data[key] !== undefined && f.data[key] !== null);
  const overlay = all.filter((f) => f.overlay === true);
  const having = overlay.length > 0 ? overlay : all;
  for (const extra of having.slice(1)) {
    const first = having[0] as ParsedFile;
    errors.push({
      file: extra.file,
      line: extra.at.keyLine([], key),
      message: `${key} is already defined in ${first.file}:${first.at.keyLine([], key)}; keep one ${key} section`,
    });
  }
  return having[0];
}

function credentialSources(p: ProviderSpec): readonly CredentialSource[] {
  return Object.freeze(
    (p.credentials?.sources ?? []).map((src): CredentialSource => {
      if ('query' in src) return { kind: 'query', param: src.query };
      if (src.scheme === 'subprotocol')
        return { kind: 'subprotocol', header: src.header, prefix: src.prefix };
      if (src.scheme === 'bearer') return { kind: 'bearer', header: src.header };
      if (src.scheme === 'aws-sigv4') return { kind: 'aws_sigv4', header: src.header };
      return { kind: 'header', header: src.header };
    }),
  );
}

function keyKinds(
  ctx: CompileContext,
  p: ProviderSpec,
  loc: FileLoc,
  base: readonly (string | number)[],
): readonly KeyKind[] {
  const kinds = p.credentials?.kinds ?? [];
  const seen = new Set<string>();
  kinds.forEach((k, j) => {
    if (seen.has(k.prefix))
      ctx.error(
        loc.where([...base, 'credentials', 'kinds', j, 'prefix']),
        `key prefix '${k.prefix}' is listed twice for ${p.id}; keep one`,
      );
    seen.add(k.prefix);
  });
  // Longest prefix first, so `sk-ant-oat01-` wins over `sk-`.
  return Object.freeze(
    kinds
      .map((k) => ({ prefix: k.prefix, kind: k.kind, oauth: k.oauth ?? false }))
      .sort((a, b) => b.prefix.length - a.prefix.length),
  );
}

function approvals(
  ctx: CompileContext,
  files: readonly ParsedFile[],
  providers: ReadonlyMap<string, Where>,
): Map<string, Set<string>> {
  const approved = new Map<string, Set<string>>();
  for (const f of files) {
    (f.data.credentials ?? []).forEach((c, j) => {
      const at = { file: f.file, line: f.at.line(['credentials', j]) };
      if (!providers.has(c.provider)) {
        return ctx.error(
          at,
          `credentials[${j}]: unknown provider '${c.provider}'; use one of: ${[...providers.keys()].join(', ')}`,
        );
      }
      const set = approved.get(c.provider) ?? new Set<string>();
      if (set.has(c.fingerprint))
        return ctx.error(
          at,
          `credentials[${j}]: fingerprint ${c.fingerprint.slice(0, 12)}... is already approved for ${c.provider}; remove the duplicate`,
        );
      set.add(c.fingerprint);
      approved.set(c.provider, set);
    });
  }
  return approved;
}

function sortIssues(errors: PolicyIssue[]): PolicyIssue[] {
  return errors.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}
