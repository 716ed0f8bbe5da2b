// YAML case tables for `policy test`: a request, the expected action and reason. Security reviewers
// extend them without writing TypeScript.

import { LineCounter, parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { ACTIONS } from '../domain/decision.js';
import { REASON_CODES } from '../domain/reason.js';
import { formatSchemaIssue, Locator, type PolicyIssue } from '../policy/issues.js';
import type { PolicySource } from '../policy/build.js';
import type { CompiledPolicy } from '../policy/types.js';
import { fingerprint } from './credential.js';
import { simulate } from './simulate.js';

const caseSchema = z.strictObject({
  name: z.string().min(1),
  request: z.strictObject({
    method: z.string().min(1),
    url: z.string().min(1),
    headers: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    /** A string is sent as is; anything else as JSON. */
    body: z.unknown().optional(),
  }),
  /** Inspection cap for this case, in bytes. */
  max_body: z.number().int().positive().optional(),
  expect: z.strictObject({
    action: z.enum(ACTIONS),
    reason: z.enum(REASON_CODES),
    rule: z.string().optional(),
  }),
});

const caseFileSchema = z.strictObject({
  version: z.literal(1),
  /** Policy folder, relative to the case file (default: --policies or ./policies). */
  policies: z.string().optional(),
  /** A policy document laid over the folder: its settings and tenants replace the folder's. */
  overlay: z.record(z.string(), z.unknown()).optional(),
  /** Fake credentials approved for this file only (never real keys). */
  test_credentials: z
    .array(
      z.strictObject({
        provider: z.string().min(1),
        credential: z.string().min(1),
        label: z.string().optional(),
      }),
    )
    .optional(),
  cases: z.array(caseSchema).min(1),
});

export type PolicyCase = z.infer<typeof caseSchema>;
export type CaseFile = z.infer<typeof caseFileSchema> & { lines: number[] };

export interface CaseResult {
  readonly name: string;
  readonly line: number;
  readonly ok: boolean;
  /** `expected block/oauth_token, got allow/allowed (rule ...)`; empty when ok. */
  readonly message: string;
}

/** Parses a case file; a bare YAML list is read as `cases`. */
export function parseCaseFile(
  file: string,
  text: string,
): { ok: true; data: CaseFile } | { ok: false; errors: PolicyIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        file,
        line: lines.linePos(e.pos[0]).line,
        message: `YAML syntax: ${e.message}`,
      })),
    };
  }
  const raw: unknown = doc.toJS();
  const bare = Array.isArray(raw);
  const input = bare ? { version: 1, cases: raw } : raw;
  const at = new Locator(doc, lines);
  const parsed = caseFileSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => {
        const path = (bare ? issue.path.slice(1) : issue.path) as (string | number)[];
        return { file, line: at.line(path), message: formatSchemaIssue(issue, caseFileSchema, input) };
      }),
    };
  }
  const caseLines = parsed.data.cases.map((_, i) => at.line(bare ? [i] : ['cases', i]));
  return { ok: true, data: { ...parsed.data, lines: caseLines } };
}

/** Extra policy sources a case file asks for: its overlay and its test credentials. */
export function caseFileSources(file: string, data: CaseFile): PolicySource[] {
  const out: PolicySource[] = [];
  if (data.overlay !== undefined) {
    out.push({
      file: `${file} (overlay)`,
      name: `${file}#overlay`,
      text: stringify({ version: 1, ...data.overlay }),
      overlay: true,
    });
  }
  if (data.test_credentials !== undefined && data.test_credentials.length > 0) {
    const credentials = data.test_credentials.map((c) => ({
      provider: c.provider,
      fingerprint: fingerprint(c.credential),
      label: c.label ?? 'test credential',
    }));
    out.push({
      file: `${file} (test_credentials)`,
      name: `${file}#credentials`,
      text: stringify({ version: 1, credentials }),
    });
  }
  return out;
}

export function runCases(data: CaseFile, policy: CompiledPolicy): CaseResult[] {
  return data.cases.map((c, i) => runCase(c, data.lines[i] ?? 0, policy));
}

function runCase(c: PolicyCase, line: number, policy: CompiledPolicy): CaseResult {
  const headers = Object.entries(c.request.headers ?? {}).map(([k, v]) => [k, String(v)] as const);
  const body =
    c.request.body === undefined
      ? undefined
      : new TextEncoder().encode(
          typeof c.request.body === 'string' ? c.request.body : JSON.stringify(c.request.body),
        );
  const sim = simulate(
    {
      method: c.request.method,
      url: c.request.url,
      headers,
      ...(body ? { body } : {}),
      ...(c.max_body ? { maxBody: c.max_body } : {}),
    },
    policy,
  );
  if (!sim.ok) return { name: c.name, line, ok: false, message: sim.error };
  const d = sim.decision;
  const ok =
    d.action === c.expect.action &&
    d.reason === c.expect.reason &&
    (c.expect.rule === undefined || c.expect.rule === d.ruleId);
  const want = `${c.expect.action}/${c.expect.reason}${c.expect.rule !== undefined ? ` (rule ${c.expect.rule})` : ''}`;
  return {
    name: c.name,
    line,
    ok,
    message: ok ? '' : `expected ${want}, got ${d.action}/${d.reason} (rule ${d.ruleId})`,
  };
}
