// Compiles a provider's endpoints and its body/header rules into an EndpointTable.

import type { RuleId } from '../domain/facts.js';
import type { CompileContext, Where } from './compile-context.js';
import type { PathKey } from './issues.js';
import { compilePath, isLiteralPath } from './paths.js';
import { compileRuleTest, defaultRuleReason, ruleSubject } from './rules.js';
import type { EndpointSpec, ProviderSpec } from './schema.js';
import type { BodyView, Endpoint, EndpointTable, PathMatcher, TestRule } from './types.js';

export interface FileLoc {
  readonly file: string;
  where(path: readonly PathKey[]): Where;
}

export interface CompiledEndpoints {
  readonly table: EndpointTable;
  /** Eligible endpoints in index order (allow decisions are built per host from these). */
  readonly eligible: readonly Endpoint[];
}

export function endpointSubject(spec: { name?: string | undefined; path: string }): string {
  const path = spec.path.endsWith('/**') ? spec.path.slice(0, -3) : spec.path;
  return spec.name !== undefined ? `the ${spec.name} endpoint (${path})` : `the endpoint ${path}`;
}

export function compileEndpoints(
  ctx: CompileContext,
  p: ProviderSpec,
  loc: FileLoc,
  base: readonly PathKey[],
): CompiledEndpoints {
  const specs = p.endpoints ?? [];
  const matchers = new Map<string, PathMatcher>();
  const eligibleIds = new Set<string>();
  const inspected = new Set<string>();
  specs.forEach((e, j) => {
    const at = loc.where([...base, 'endpoints', j, 'id']);
    if (!checkPrefix(ctx, p.id, e.id, at)) return;
    if (!ctx.register(e.id, e.zdr === 'eligible' ? 'eligible' : 'endpoint', at)) return;
    const m = compilePath(e.path);
    if (typeof m === 'string') return ctx.error(loc.where([...base, 'endpoints', j, 'path']), m);
    if (e.zdr === 'retaining' && e.inspect_body === true) {
      return ctx.error(
        at,
        `endpoint '${e.id}' is data-retaining (always blocked); inspect_body applies to eligible ones`,
      );
    }
    matchers.set(e.id, m);
    if (e.zdr === 'eligible') eligibleIds.add(e.id);
    if (e.inspect_body === true) inspected.add(e.id);
  });

  const headerRules = new Map<string, TestRule<readonly string[]>[]>();
  const bodyRules = new Map<string, TestRule<BodyView>[]>();
  (p.rules ?? []).forEach((r, j) => {
    const at = loc.where([...base, 'rules', j, 'id']);
    if (!checkPrefix(ctx, p.id, r.id, at) || !ctx.register(r.id, 'rule', at)) return;
    if (r.type === 'body_field' && r.field !== 'store' && r.is !== true) {
      return ctx.error(
        loc.where([...base, 'rules', j, 'is']),
        `rule '${r.id}': field '${r.field}' only supports is: true`,
      );
    }
    const compiled = compileRuleTest(r);
    const targets = r.endpoints ?? [...(compiled.target === 'body' ? inspected : eligibleIds)];
    for (const id of r.endpoints ?? []) {
      const where = loc.where([...base, 'rules', j, 'endpoints']);
      if (!eligibleIds.has(id)) {
        return ctx.error(
          where,
          `rule '${r.id}' names '${id}', which is not an eligible endpoint of ${p.id}; use one of: ${[...eligibleIds].join(', ')}`,
        );
      }
      if (compiled.target === 'body' && !inspected.has(id)) {
        return ctx.error(
          where,
          `rule '${r.id}' is a body rule but endpoint '${id}' does not set inspect_body: true; add it there`,
        );
      }
    }
    if (targets.length === 0) {
      return ctx.error(
        at,
        `rule '${r.id}' applies to no endpoint: no eligible endpoint of ${p.id} sets inspect_body: true`,
      );
    }
    const rule = ctx.blockRule({
      id: r.id,
      kind: 'rule',
      reason: defaultRuleReason(r),
      mode: r.mode ?? p.mode,
      action: undefined,
      enabled: r.enabled,
      texts: { provider: p.name, subject: ruleSubject(r) },
      explanation: r.explanation,
      remedy: r.remedy,
      source: r.source,
      at,
    });
    if (rule === null) return;
    for (const id of targets) {
      if (compiled.target === 'body') push(bodyRules, id, { rule, test: compiled.test });
      else push(headerRules, id, { rule, test: compiled.test });
    }
  });

  const retaining: Endpoint[] = [];
  const eligible: Endpoint[] = [];
  const exact = new Map<string, Endpoint[]>();
  const patterns: Endpoint[] = [];
  specs.forEach((e, j) => {
    const matcher = matchers.get(e.id);
    if (matcher === undefined) return;
    const endpoint = buildEndpoint(
      ctx,
      p,
      e,
      matcher,
      loc.where([...base, 'endpoints', j, 'id']),
      eligible.length,
      {
        header: headerRules.get(e.id) ?? [],
        body: bodyRules.get(e.id) ?? [],
      },
    );
    if (endpoint === null) return;
    if (endpoint.retaining !== null) retaining.push(endpoint);
    else {
      eligible.push(endpoint);
      if (isLiteralPath(matcher)) push(exact, matcher.pattern, endpoint);
      else patterns.push(endpoint);
    }
  });
  return { table: Object.freeze({ retaining, exact, patterns }), eligible };
}

function buildEndpoint(
  ctx: CompileContext,
  p: ProviderSpec,
  e: EndpointSpec,
  matcher: PathMatcher,
  at: Where,
  index: number,
  rules: { header: TestRule<readonly string[]>[]; body: TestRule<BodyView>[] },
): Endpoint | null {
  let retaining = null;
  if (e.zdr === 'retaining') {
    retaining = ctx.blockRule({
      id: e.id,
      kind: 'endpoint',
      reason: 'data_retaining_endpoint',
      mode: e.mode ?? p.mode,
      action: undefined,
      enabled: undefined,
      texts: { provider: p.name, subject: capital(endpointSubject(e)) },
      explanation: e.explanation,
      remedy: e.remedy,
      source: e.source,
      at,
    });
    if (retaining === null) return null;
  } else {
    if (e.mode !== undefined) ctx.error(at, `endpoint '${e.id}' is eligible (an allow rule); remove mode`);
    const enabled = ctx.enabledOverride(e.id) ?? true;
    ctx.recordAllow(e.id, enabled, at, e.source);
    if (!enabled) return null;
  }
  return Object.freeze({
    id: e.id as RuleId,
    index,
    name: e.name ?? e.path,
    methods: e.methods === undefined ? null : new Set(e.methods),
    matcher,
    websocket: e.websocket ?? false,
    retaining,
    headerRules: Object.freeze(rules.header),
    bodyRules: Object.freeze(rules.body),
  });
}

export function checkPrefix(ctx: CompileContext, provider: string, id: string, at: Where): boolean {
  if (id.startsWith(`${provider}.`)) return true;
  ctx.error(at, `rule id '${id}' must start with the provider id '${provider}.'`);
  return false;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
