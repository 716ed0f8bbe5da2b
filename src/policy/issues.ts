// Turning YAML and schema problems into `file:line: message` issues that say how to fix them.
// Messages quote policy text (the operator's own file), never request content.

import { isMap, isPair, isScalar, type LineCounter, type Document, type Node } from 'yaml';
import type { z } from 'zod';

export interface PolicyIssue {
  file: string;
  line: number;
  /** Says what is wrong and how to fix it. */
  message: string;
}

export type PathKey = string | number;

/** Finds line numbers for YAML paths in one parsed document. */
export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Line of the value at `path`, or of its closest existing ancestor. */
  line(path: readonly PathKey[]): number {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      const start = nodeStart(node);
      if (start !== null) return this.lines.linePos(start).line;
    }
    return 1;
  }

  /** Line of the key `key` in the map at `path` (for unknown keys). */
  keyLine(path: readonly PathKey[], key: string): number {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isPair(pair) && isScalar(pair.key) && pair.key.value === key) {
          const start = nodeStart(pair.key);
          if (start !== null) return this.lines.linePos(start).line;
        }
      }
    }
    return this.line(path);
  }

  offsetLine(offset: number): number {
    return this.lines.linePos(offset).line;
  }
}

function nodeStart(node: unknown): number | null {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : null;
}

/** `providers[0].hosts[2].surface` */
export function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out === '' ? 'the file' : out;
}

// Hints for regex-checked fields, by key name.
const FORMAT_HINTS: Record<string, string> = {
  id: "use lower-case letters, digits, '_', '.', '-' (e.g. 'openai.files')",
  fingerprint: "must be 64 lower-case hex characters, as printed by 'zdr-egress fingerprint'",
  header: "use the lower-case header name (e.g. 'x-api-key')",
  kind: "use lower-case letters, digits and '_' (e.g. 'openai_project_key')",
  methods: 'use upper-case HTTP methods (e.g. POST)',
  ids: 'write each id without spaces or commas; list several ids as separate entries',
};

/** Formats one schema issue. `input` is the file's data, to tell "missing" from "wrong type". */
export function formatSchemaIssue(issue: z.core.$ZodIssue, schema: z.ZodType, input: unknown): string {
  const where = pathText(issue.path);
  const last = issue.path[issue.path.length - 1];
  const key = typeof last === 'string' ? last : String(issue.path[issue.path.length - 2] ?? '');
  switch (issue.code) {
    case 'invalid_type': {
      if (valueAt(input, issue.path) === undefined) {
        return `${pathText(issue.path.slice(0, -1))}: missing required key '${String(last)}'; add it`;
      }
      return `${where}: expected ${article(issue.expected)}, found ${describe(valueAt(input, issue.path))}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const want = values.length > 2 ? `one of ${values.join(', ')}` : values.join(' or ');
      return `${where}: must be ${want}, found ${describe(valueAt(input, issue.path))}`;
    }
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schema, issue.path, input);
      const keys = issue.keys.map((k) => `'${k}'`).join(', ');
      const guess = issue.keys.length === 1 ? closest(issue.keys[0] as string, allowed) : null;
      const hint = guess !== null ? `did you mean '${guess}'? ` : '';
      return `${where}: unknown key ${keys}; ${hint}allowed keys: ${allowed.join(', ')}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `${where}: list at least ${String(issue.minimum)} entry`;
      if (issue.origin === 'string') return `${where}: must not be empty`;
      return `${where}: must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `${where}: must be at most ${String(issue.maximum)}`;
    case 'invalid_format':
      return `${where}: ${FORMAT_HINTS[key] ?? `must match ${issue.pattern ?? issue.format}`}, found ${describe(valueAt(input, issue.path))}`;
    case 'invalid_union':
      if (issue.discriminator !== undefined) {
        const options = ('options' in issue ? (issue.options ?? []) : []).map((o) => String(o)).join(', ');
        return `${where}: must be one of ${options}, found ${describe(valueAt(input, issue.path))}`;
      }
      return `${where}: does not match any allowed form; see docs/policy.md for the forms of '${key}'`;
    case 'invalid_key':
      return `${where}: invalid key; ${FORMAT_HINTS.id as string}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

function article(expected: string): string {
  const words: Record<string, string> = { array: 'a list', object: 'a map of keys', record: 'a map of keys' };
  return words[expected] ?? `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

// Walking the zod 4 schema definition to list the keys an object accepts.
interface Def {
  type: string;
  shape?: Record<string, { _zod: { def: Def } }>;
  innerType?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  valueType?: { _zod: { def: Def } };
  options?: { _zod: { def: Def } }[];
  discriminator?: string;
}

function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  let def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  for (let i = 0; i <= path.length; i++) {
    def = unwrap(def, valueAt(input, path.slice(0, i)));
    if (i === path.length) break;
    const k = path[i] as PropertyKey;
    const next =
      def.type === 'object' ? def.shape?.[String(k)] : def.type === 'array' ? def.element : def.valueType;
    if (next === undefined) return [];
    def = next._zod.def;
  }
  return Object.keys(def.shape ?? {});
}

function unwrap(def: Def, value: unknown): Def {
  let d = def;
  for (;;) {
    if ((d.type === 'optional' || d.type === 'nullable') && d.innerType) d = d.innerType._zod.def;
    else if (d.type === 'union' && d.options) d = pickOption(d, value);
    else return d;
  }
}

/** The union member whose keys cover the value's keys best (or the discriminated one). */
function pickOption(def: Def, value: unknown): Def {
  const options = (def.options ?? []).map((o) => o._zod.def);
  const keys = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  let best = options[0] as Def;
  let bestScore = -1;
  for (const o of options) {
    const shape = o.shape ?? {};
    if (def.discriminator !== undefined) {
      const tag = (value as Record<string, unknown> | null)?.[def.discriminator];
      const lit = (shape[def.discriminator]?._zod.def as { values?: unknown[] } | undefined)?.values;
      if (lit?.includes(tag) === true) return o;
    }
    const score = keys.filter((k) => k in shape).length;
    if (score > bestScore) [best, bestScore] = [o, score];
  }
  return best;
}

export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDist = 3;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDist) [best, bestDist] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/**
 * Drops a "missing required key" issue when the same map has an unknown key that is a near miss of
 * it: the typo is the one flaw, and its message already names the right key.
 */
export function withoutEchoes(issues: readonly z.core.$ZodIssue[], input: unknown): z.core.$ZodIssue[] {
  const unknown = issues.filter((i) => i.code === 'unrecognized_keys');
  return issues.filter((i) => {
    if (i.code !== 'invalid_type' || valueAt(input, i.path) !== undefined) return true;
    const parent = JSON.stringify(i.path.slice(0, -1));
    const key = String(i.path[i.path.length - 1]);
    return !unknown.some(
      (u) =>
        JSON.stringify(u.path) === parent &&
        u.code === 'unrecognized_keys' &&
        u.keys.some((k) => closest(k, [key]) !== null),
    );
  });
}
