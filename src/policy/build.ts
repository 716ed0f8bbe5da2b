// Parse -> validate strictly -> compile -> freeze, from file texts. Pure: load.ts supplies the texts.

import { createHash } from 'node:crypto';
import { LineCounter, parseDocument } from 'yaml';
import type { Mode } from '../domain/decision.js';
import { compile, type ParsedFile } from './compile.js';
import { formatSchemaIssue, Locator, withoutEchoes, type PolicyIssue } from './issues.js';
import { policyFileSchema } from './schema.js';
import type { CompiledPolicy } from './types.js';

export type { PolicyIssue } from './issues.js';

export interface PolicySource {
  /** Shown in issues (`policies/openai.yaml`). */
  readonly file: string;
  /** Hashed into the version (the base name, so a moved folder keeps its version). */
  readonly name: string;
  readonly text: string;
  /** An overlay (a case file's `overlay`): its settings and tenants replace the folder's. */
  readonly overlay?: boolean;
}

export type PolicyLoadResult = { ok: true; policy: CompiledPolicy } | { ok: false; errors: PolicyIssue[] };

export function parseSource(src: PolicySource): ParsedFile | PolicyIssue[] {
  const lines = new LineCounter();
  const doc = parseDocument(src.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // Only the first syntax error: the ones after it are usually its echoes.
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    return [
      {
        file: src.file,
        line: lines.linePos(syntax.pos[0]).line,
        message: `YAML syntax: ${syntax.message}; check indentation, quoting and duplicate keys`,
      },
    ];
  }
  const at = new Locator(doc, lines);
  const input: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (input === null || input === undefined) {
    return [{ file: src.file, line: 1, message: "the file is empty; start it with 'version: 1'" }];
  }
  const parsed = policyFileSchema.safeParse(input);
  if (parsed.success) return { file: src.file, data: parsed.data, at, overlay: src.overlay === true };
  return withoutEchoes(parsed.error.issues, input).map((issue) => ({
    file: src.file,
    line:
      issue.code === 'unrecognized_keys'
        ? at.keyLine(issue.path as (string | number)[], issue.keys[0] ?? '')
        : at.line(issue.path as (string | number)[]),
    message: formatSchemaIssue(issue, policyFileSchema, input),
  }));
}

/** Builds a policy from file texts; `mode` (the `--mode` flag) overrides every mode in the files. */
export function buildPolicy(
  sources: readonly PolicySource[],
  options: { mode?: Mode | undefined } = {},
): PolicyLoadResult {
  const errors: PolicyIssue[] = [];
  const files: ParsedFile[] = [];
  for (const src of sources) {
    const r = parseSource(src);
    if (Array.isArray(r)) errors.push(...r);
    else files.push(r);
  }
  if (errors.length > 0) return { ok: false, errors };
  return compile(files, { mode: options.mode, version: policyVersion(sources) });
}

/** First 12 hex chars of SHA-256 over the files' names and texts, in name order. */
export function policyVersion(sources: readonly PolicySource[]): string {
  const h = createHash('sha256');
  for (const s of [...sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    h.update(s.name).update('\0').update(s.text).update('\0');
  }
  return h.digest('hex').slice(0, 12);
}

export function formatIssue(i: PolicyIssue): string {
  return `${i.file}:${i.line}: ${i.message}`;
}
