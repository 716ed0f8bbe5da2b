// Canary strings: every piece of content the session sends or receives carries one, built as
// CANARY-<kind>-<nonce>-<n>. The nonce is fresh per run, so a scan for it finds any canary of this
// run and nothing else; the kind says which piece of content leaked.
import { randomBytes } from 'node:crypto';

export interface Canaries {
  readonly nonce: string;
  /** A new canary of `kind` (letters and dashes only: safe in headers, URLs, JSON, keys). */
  next(kind: string): string;
  /** Every canary handed out, by kind. */
  readonly issued: Map<string, string[]>;
}

export function createCanaries(): Canaries {
  const nonce = randomBytes(6).toString('hex');
  const issued = new Map<string, string[]>();
  let n = 0;
  return {
    nonce,
    issued,
    next(kind) {
      const c = `CANARY-${kind}-${nonce}-${++n}`;
      issued.set(kind, [...(issued.get(kind) ?? []), c]);
      return c;
    },
  };
}

export interface Finding {
  readonly sink: string;
  readonly kind: string;
  /** A few characters either side, to show where it sat. */
  readonly context: string;
}

/** Every canary of this run in `bytes` (scanned as raw bytes, so binary formats count too). */
export function findCanaries(sink: string, bytes: Buffer | string, nonce: string): Finding[] {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const needle = Buffer.from(nonce, 'latin1');
  const out: Finding[] = [];
  for (let at = buf.indexOf(needle); at >= 0 && out.length < 50; at = buf.indexOf(needle, at + 1)) {
    const before = buf.subarray(Math.max(0, at - 40), at).toString('latin1');
    const kind = /CANARY-([a-z-]+)-$/.exec(before)?.[1] ?? 'unknown';
    const context = buf
      .subarray(Math.max(0, at - 60), Math.min(buf.length, at + 30))
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '.');
    out.push({ sink, kind, context });
  }
  return out;
}

/** Kinds found, deduplicated and sorted, for readable assertions. */
export function kinds(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.kind))].sort();
}
