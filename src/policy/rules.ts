// Body and header rules: each `type` compiles, through one exhaustive switch, to a test function and
// a subject phrase for the explanation. Globs are `exact` or `prefix*`.

import type { RuleSpec } from './schema.js';
import type { BodyView } from './types.js';

export type RuleTest =
  | { readonly target: 'body'; readonly test: (body: BodyView) => boolean }
  | { readonly target: 'header'; readonly test: (betas: readonly string[]) => boolean };

export function compileRuleTest(spec: RuleSpec): RuleTest {
  switch (spec.type) {
    case 'body_field':
      return { target: 'body', test: fieldTest(spec.field, spec.is) };
    case 'tool': {
      const g = compileGlobs(spec.tools);
      return { target: 'body', test: (b) => b.toolTypes.some(g) };
    }
    case 'allowed_caller': {
      const g = compileGlobs(spec.callers);
      return { target: 'body', test: (b) => b.allowedCallers.some(g) };
    }
    case 'model': {
      const g = compileGlobs(spec.models);
      return { target: 'body', test: (b) => b.model !== null && g(b.model) };
    }
    case 'beta': {
      const g = compileGlobs(spec.values.map((v) => v.toLowerCase()));
      return { target: 'header', test: (betas) => betas.some(g) };
    }
    default: {
      const unreachable: never = spec;
      return unreachable;
    }
  }
}

type Field = Extract<RuleSpec, { type: 'body_field' }>['field'];

function fieldTest(field: Field, is: true | false | 'absent'): (b: BodyView) => boolean {
  switch (field) {
    case 'store':
      return is === 'absent' ? (b) => b.store === null : (b) => b.store === is;
    case 'background':
      return (b) => b.background === is;
    case 'previous_response_id':
      return (b) => b.previousResponseId === is;
    case 'conversation':
      return (b) => b.conversation === is;
    case 'mcp_servers':
      return (b) => b.mcpServers === is;
    case 'skills':
      return (b) => b.skills === is;
    default: {
      const unreachable: never = field;
      return unreachable;
    }
  }
}

/** The phrase the explanation uses for the rule ("`store: true`", "the tool type code_interpreter"). */
export function ruleSubject(spec: RuleSpec): string {
  if (spec.name !== undefined) return spec.name;
  switch (spec.type) {
    case 'body_field':
      return spec.is === 'absent' ? `an unset \`${spec.field}\`` : `\`${spec.field}: ${String(spec.is)}\``;
    case 'tool':
      return `the tool type ${spec.tools.join(', ')}`;
    case 'allowed_caller':
      return `a tool callable from ${spec.callers.join(', ')}`;
    case 'model':
      return `a model matching ${spec.models.join(', ')}`;
    case 'beta':
      return `the beta value ${spec.values.join(', ')}`;
    default: {
      const unreachable: never = spec;
      return unreachable;
    }
  }
}

export function defaultRuleReason(spec: RuleSpec): 'retaining_feature' | 'retaining_tool' | 'retaining_beta' {
  if (spec.reason !== undefined) return spec.reason;
  switch (spec.type) {
    case 'body_field':
    case 'model':
      return 'retaining_feature';
    case 'tool':
    case 'allowed_caller':
      return 'retaining_tool';
    case 'beta':
      return 'retaining_beta';
    default: {
      const unreachable: never = spec;
      return unreachable;
    }
  }
}

/** `['code_execution_*', 'mcp']` -> a test; exact names go in a Set, prefixes in a short list. */
export function compileGlobs(globs: readonly string[]): (value: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const g of globs) {
    if (g.endsWith('*')) prefixes.push(g.slice(0, -1));
    else exact.add(g);
  }
  if (prefixes.length === 0) return (v) => exact.has(v);
  return (v) => exact.has(v) || prefixes.some((p) => v.startsWith(p));
}
