// Tenant-restriction headers: which catalog headers the tenants section switches on, and for which
// hosts. compile-hosts.ts turns an active header into injections, companion allowances and the
// anonymous-use path rule.

import type { HeaderInjection } from '../domain/decision.js';
import type { CompileContext, Where } from './compile-context.js';
import { checkPrefix, type FileLoc } from './compile-endpoints.js';
import type { PathKey } from './issues.js';
import { compilePath } from './paths.js';
import type { ProviderSpec, TenantSpec } from './schema.js';
import type { PathMatcher } from './types.js';

export interface TenantConfig extends TenantSpec {
  readonly at: Where;
}

/** A tenant header of this provider that the tenants section switches on. */
export interface ActiveTenant {
  readonly id: string;
  readonly inject: HeaderInjection;
  readonly hosts: ReadonlySet<string>;
  /** Hosts allowed along with `hosts` when allow_consumer is on (static assets, login), no header. */
  readonly companions: ReadonlySet<string>;
  readonly anonymous: readonly { readonly matcher: PathMatcher; readonly path: string }[];
  readonly allowConsumer: boolean;
  readonly allowOauth: boolean;
  readonly source: string;
  readonly at: Where;
}

export function compileTenantHeaders(
  ctx: CompileContext,
  p: ProviderSpec,
  loc: FileLoc,
  base: readonly PathKey[],
  tenants: ReadonlyMap<string, TenantConfig>,
): ActiveTenant[] {
  const names = new Set(p.hosts.flatMap((g) => g.names));
  const active: ActiveTenant[] = [];
  (p.tenant_headers ?? []).forEach((th, j) => {
    const at = loc.where([...base, 'tenant_headers', j, 'id']);
    if (!checkPrefix(ctx, p.id, th.id, at) || !ctx.register(th.id, 'tenant', at)) return;
    const anonymousId = `${th.id}.anonymous`;
    if (th.anonymous_paths !== undefined && !ctx.register(anonymousId, 'path', at)) return;
    for (const key of ['hosts', 'companion_hosts'] as const) {
      for (const h of th[key] ?? []) {
        if (!names.has(h))
          ctx.error(
            loc.where([...base, 'tenant_headers', j, key]),
            `tenant header '${th.header}' names host '${h}', which ${p.id} does not list under hosts; list it there first`,
          );
      }
    }
    const anonymous = (th.anonymous_paths ?? []).flatMap((path) => {
      const m = compilePath(path);
      if (typeof m !== 'string') return [{ matcher: m, path }];
      ctx.error(loc.where([...base, 'tenant_headers', j, 'anonymous_paths']), m);
      return [];
    });
    const cfg = tenants.get(th.header);
    if (cfg === undefined || cfg.ids.length === 0) return;
    ctx.recordAllow(th.id, true, at, th.source);
    active.push({
      id: th.id,
      inject: Object.freeze({ name: th.header, value: cfg.ids.join(',') }),
      hosts: new Set(th.hosts),
      companions: new Set(th.companion_hosts ?? []),
      anonymous,
      allowConsumer: cfg.allow_consumer ?? false,
      allowOauth: cfg.allow_oauth_tokens ?? false,
      source: th.source,
      at,
    });
  });
  return active;
}
