// Compiles a provider's host groups into HostEntry objects: the host's own rule, its path rules,
// tenant-restriction headers, and every Decision the host can return, precomputed.

import type { Decision, HeaderInjection } from '../domain/decision.js';
import type { RuleId } from '../domain/facts.js';
import type { ReasonCode } from '../domain/reason.js';
import { NO_INJECT, type CompileContext, type Where } from './compile-context.js';
import { checkPrefix, endpointSubject, type FileLoc } from './compile-endpoints.js';
import { hostPatternKind } from './hosts.js';
import type { PathKey } from './issues.js';
import { compilePath } from './paths.js';
import type { ActiveTenant } from './compile-tenants.js';
import type { HostGroupSpec, PathRuleSpec, ProviderSpec } from './schema.js';
import type {
  ConnectVerdict,
  Endpoint,
  HostAccess,
  HostEntry,
  PathMatcher,
  PathRule,
  ProviderCatalog,
} from './types.js';

export function compileHosts(
  ctx: CompileContext,
  p: ProviderSpec,
  loc: FileLoc,
  base: readonly PathKey[],
  catalog: ProviderCatalog,
  eligible: readonly Endpoint[],
  tenants: readonly ActiveTenant[],
): [string, HostEntry, Where][] {
  const out: [string, HostEntry, Where][] = [];
  p.hosts.forEach((g, k) => {
    const gbase = [...base, 'hosts', k];
    if (!checkGroup(ctx, p, g, loc.where(gbase))) return;
    const pathSpecs = (g.paths ?? []).filter((r, j) =>
      registerPath(ctx, p, r, loc.where([...gbase, 'paths', j, 'id'])),
    );
    const pathMatchers = pathSpecs.map((r, j) => {
      const m = compilePath(r.path);
      if (typeof m === 'string') ctx.error(loc.where([...gbase, 'paths', j, 'path']), m);
      return m;
    });
    g.names.forEach((name, n) => {
      const at = loc.where([...gbase, 'names', n]);
      const kind = hostPatternKind(name);
      if (kind !== 'exact' && kind !== 'subdomains' && kind !== 'labels') return ctx.error(at, kind);
      const id = `${p.id}.${name}`;
      if (!ctx.register(id, 'host', at)) return;
      const mine = tenants.filter((t) => t.hosts.has(name));
      const inject = mine.length === 0 ? NO_INJECT : Object.freeze(mine.map((t) => t.inject));
      const paths: PathRule[] = [];
      const add = (r: PathRule | null): void => {
        if (r !== null) paths.push(r);
      };
      for (const t of mine)
        for (const a of t.anonymous)
          add(
            pathRule(ctx, p, name, t.at, a.matcher, inject, {
              id: `${t.id}.anonymous`,
              path: a.path,
              reason: 'anonymous_use',
              source: t.source,
            }),
          );
      pathSpecs.forEach((r, j) => {
        const m = pathMatchers[j];
        if (m !== undefined && typeof m !== 'string')
          add(pathRule(ctx, p, name, loc.where([...gbase, 'paths', j, 'id']), m, inject, r));
      });
      const allowedBy = tenants.find((t) => t.allowConsumer && (t.hosts.has(name) || t.companions.has(name)));
      const oauth = mine.some((t) => t.allowOauth);
      const entry = hostEntry(
        ctx,
        p,
        g,
        { name, id, at },
        catalog,
        eligible,
        { allowedBy, oauth, inject },
        paths,
      );
      out.push([name, entry, at]);
    });
  });
  return out;
}

function checkGroup(ctx: CompileContext, p: ProviderSpec, g: HostGroupSpec, at: Where): boolean {
  const bad = (message: string): false => (ctx.error(at, `hosts ${g.names.join(', ')}: ${message}`), false);
  if (p.zdr === 'none' && (g.access === 'api' || g.access === 'allow')) {
    return bad(
      `provider ${p.id} has zdr: none, so its hosts are blocked with provider_not_zdr; remove access or set zdr: offered`,
    );
  }
  if (g.handling === 'refuse' && g.access !== undefined)
    return bad('a refused host is never decrypted; remove access');
  if (p.zdr === 'consumer_only' && (g.access === 'api' || (g.access === undefined && g.surface === 'api'))) {
    return bad(
      `provider ${p.id} is consumer_only, so it has no API hosts; use surface consumer, or set zdr: offered`,
    );
  }
  if (
    g.access === 'api' ||
    (g.access === undefined && g.surface === 'api' && p.zdr === 'offered' && g.handling !== 'refuse')
  ) {
    if (g.reason !== undefined || g.action !== undefined)
      return bad('reason and action apply to blocked hosts; remove them or set access: block');
    if (p.credentials === undefined) return bad(`access: api needs credentials.sources on provider ${p.id}`);
    if (!(p.endpoints ?? []).some((e) => e.zdr === 'eligible'))
      return bad(`access: api needs at least one eligible endpoint on provider ${p.id}`);
  }
  return true;
}

function registerPath(ctx: CompileContext, p: ProviderSpec, r: PathRuleSpec, at: Where): boolean {
  return checkPrefix(ctx, p.id, r.id, at) && ctx.register(r.id, 'path', at);
}

type PathDef = Pick<PathRuleSpec, 'id' | 'path' | 'reason' | 'source'> & Partial<PathRuleSpec>;

function pathRule(
  ctx: CompileContext,
  p: ProviderSpec,
  name: string,
  at: Where,
  matcher: PathMatcher,
  inject: readonly HeaderInjection[],
  r: PathDef,
): PathRule | null {
  const subject = `${name}${r.path.endsWith('/**') ? r.path.slice(0, -3) : r.path}`;
  if (r.reason === 'allowed') {
    const enabled = ctx.enabledOverride(r.id) ?? true;
    ctx.recordAllow(r.id, enabled, at, r.source);
    if (!enabled) return null;
    const decision = ctx.allowDecision(r.id, r.explanation ?? `${subject} is allowed by the policy.`, inject);
    return Object.freeze({ kind: 'allow', id: r.id as RuleId, matcher, decision });
  }
  const rule = ctx.blockRule({
    id: r.id,
    kind: 'path',
    reason: r.reason,
    mode: r.mode ?? p.mode,
    action: r.action,
    enabled: undefined,
    texts: { provider: p.name, subject },
    explanation: r.explanation,
    remedy: r.remedy ?? p.remedy,
    source: r.source,
    at,
  });
  return rule === null ? null : Object.freeze({ kind: 'block', id: r.id as RuleId, matcher, rule });
}

function hostReason(p: ProviderSpec, g: HostGroupSpec): ReasonCode {
  if (g.handling === 'refuse') return 'connect_refused';
  if (p.zdr === 'none') return 'provider_not_zdr';
  if (g.reason !== undefined) return g.reason;
  if (g.surface === 'console') return 'console_surface';
  return g.surface === 'api' ? 'host_blocked' : 'consumer_surface';
}

interface TenantEffect {
  /** Active tenant header with allow_consumer that covers this host (as target or companion). */
  readonly allowedBy: ActiveTenant | undefined;
  readonly oauth: boolean;
  readonly inject: readonly HeaderInjection[];
}

function hostEntry(
  ctx: CompileContext,
  p: ProviderSpec,
  g: HostGroupSpec,
  host: { name: string; id: string; at: Where },
  catalog: ProviderCatalog,
  eligible: readonly Endpoint[],
  t: TenantEffect,
  paths: readonly PathRule[],
): HostEntry {
  const { name, id, at } = host;
  const inject = t.inject;
  const refuse = g.handling === 'refuse';
  const isApi =
    !refuse && p.zdr === 'offered' && (g.access ?? (g.surface === 'api' ? 'api' : 'block')) === 'api';
  const isAllow = !refuse && p.zdr !== 'none' && g.access === 'allow';
  const pass = ctx.allowDecision(id, `${name} is allowed by the policy.`, inject);
  let access: HostAccess;
  let handling: 'intercept' | 'refuse' = 'intercept';
  if (isApi) {
    const allow = eligible.map((e) =>
      ctx.allowDecision(
        e.id,
        `An approved ${p.name} credential on ${endpointSubject({ name: e.name, path: e.matcher.pattern })}, which is ZDR-eligible.`,
        inject,
      ),
    );
    access = { kind: 'api', allow: Object.freeze(allow), pass };
  } else if (isAllow) {
    access = { kind: 'allow', decision: pass };
  } else {
    const tenant = refuse || p.zdr === 'none' ? undefined : t.allowedBy;
    const rule =
      tenant !== undefined
        ? null
        : ctx.blockRule({
            id,
            kind: 'host',
            reason: hostReason(p, g),
            mode: g.mode ?? p.mode,
            action: g.action,
            enabled: undefined,
            texts: { provider: p.name, subject: name },
            explanation: g.explanation,
            remedy: g.remedy ?? p.remedy,
            source: g.source,
            at,
          });
    if (tenant !== undefined) {
      ctx.recordAllow(id, true, at, g.source);
      access = {
        kind: 'allow',
        decision: ctx.allowDecision(
          tenant.id,
          `${name} is allowed because the company restricts it to its own tenant with the ${tenant.inject.name} header.`,
          inject,
        ),
      };
    } else if (rule === null) {
      access = { kind: 'allow', decision: pass };
    } else {
      access = { kind: 'block', rule, pass };
      if (refuse) handling = 'refuse';
    }
  }
  const entry = {
    provider: p.id,
    surface: g.surface,
    handling,
    pattern: name,
    ruleId: id as RuleId,
    catalog,
    paths: Object.freeze(paths),
    access: Object.freeze(access),
    inject,
    oauthAllowed: isApi && t.oauth,
    connect: null as unknown as ConnectVerdict,
  };
  entry.connect = connectVerdict(entry);
  return Object.freeze(entry);
}

function connectVerdict(entry: { handling: 'intercept' | 'refuse'; access: HostAccess }): ConnectVerdict {
  // Built before the entry is frozen; the intercept verdict points back at the entry.
  if (entry.handling === 'refuse' && entry.access.kind === 'block') {
    const d: Decision = entry.access.rule.decision;
    return Object.freeze(
      entry.access.rule.enforce ? { kind: 'refuse', decision: d } : { kind: 'tunnel_reported', decision: d },
    );
  }
  return Object.freeze({ kind: 'intercept', entry: entry as unknown as HostEntry });
}
