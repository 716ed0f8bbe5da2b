// The host table: exact names in a Map, `*.suffix` wildcards in a Map by suffix, and label patterns
// (`*-aiplatform.googleapis.com`, `bedrock-runtime.*.amazonaws.com`) bucketed by their fixed suffix.
// A lookup walks the host's own suffixes once, so the cost is a few Map reads per request.

export interface HostTable<T> {
  lookup(host: string): T | null;
}

interface LabelPattern<T> {
  readonly labels: readonly LabelMatcher[];
  readonly value: T;
}

type LabelMatcher =
  | { readonly kind: 'literal'; readonly text: string }
  /** The label holding the '*': non-empty text between prefix and suffix. */
  | { readonly kind: 'glob'; readonly prefix: string; readonly suffix: string };

export type HostPatternKind = 'exact' | 'subdomains' | 'labels';

/** Checks a host pattern; returns its kind or a message saying how to write it. */
export function hostPatternKind(pattern: string): HostPatternKind | string {
  if (pattern !== pattern.toLowerCase()) return `host '${pattern}' must be lower case`;
  if (pattern.endsWith('.')) return `host '${pattern}' must not end with a dot`;
  if (!/^[a-z0-9*.-]+$/.test(pattern)) {
    return `host '${pattern}' may only hold a-z, 0-9, '-', '.' and '*' (write IDN names in punycode, xn--...)`;
  }
  const labels = pattern.split('.');
  if (labels.some((l) => l === '')) return `host '${pattern}' has an empty label`;
  const star = labels.findIndex((l) => l.includes('*'));
  if (star === -1) return 'exact';
  if (pattern.indexOf('*') !== pattern.lastIndexOf('*')) {
    return `host '${pattern}' may hold one '*', as '*.suffix' or inside one label`;
  }
  if (labels.length - star - 1 < 2) {
    return `host '${pattern}' is too broad: the '*' must be followed by a registered domain, e.g. '*.example.com'`;
  }
  return star === 0 && labels[0] === '*' ? 'subdomains' : 'labels';
}

/** Builds the table; patterns must have passed hostPatternKind. */
export function buildHostTable<T>(entries: readonly (readonly [string, T])[]): HostTable<T> {
  const exact = new Map<string, T>();
  const wild = new Map<string, T>();
  const labelled = new Map<string, LabelPattern<T>[]>();
  for (const [pattern, value] of entries) {
    const kind = hostPatternKind(pattern);
    if (kind === 'exact') exact.set(pattern, value);
    else if (kind === 'subdomains') wild.set(pattern.slice(2), value);
    else if (kind === 'labels') addLabelPattern(labelled, pattern, value);
    else throw new Error(kind);
  }
  return {
    lookup(host: string): T | null {
      const hit = exact.get(host);
      if (hit !== undefined) return hit;
      // Walk suffixes from the closest one: a.b.c.com -> b.c.com -> c.com -> com.
      let dot = host.indexOf('.');
      while (dot !== -1) {
        const suffix = host.slice(dot + 1);
        const patterns = labelled.get(suffix);
        if (patterns !== undefined) {
          const value = matchLabels(patterns, host, dot);
          if (value !== null) return value;
        }
        const w = wild.get(suffix);
        if (w !== undefined) return w;
        dot = host.indexOf('.', dot + 1);
      }
      return null;
    },
  };
}

function addLabelPattern<T>(table: Map<string, LabelPattern<T>[]>, pattern: string, value: T): void {
  const labels = pattern.split('.');
  const star = labels.findIndex((l) => l.includes('*'));
  const suffix = labels.slice(star + 1).join('.');
  const head = labels.slice(0, star + 1).map((l): LabelMatcher => {
    const i = l.indexOf('*');
    return i === -1
      ? { kind: 'literal', text: l }
      : { kind: 'glob', prefix: l.slice(0, i), suffix: l.slice(i + 1) };
  });
  const list = table.get(suffix) ?? [];
  list.push({ labels: head, value });
  table.set(suffix, list);
}

/** `end` is the index of the dot before the fixed suffix; the labels before it must match one by one. */
function matchLabels<T>(patterns: readonly LabelPattern<T>[], host: string, end: number): T | null {
  const labels = host.slice(0, end).split('.');
  for (const p of patterns) {
    if (p.labels.length === labels.length && p.labels.every((m, i) => matchLabel(m, labels[i] as string))) {
      return p.value;
    }
  }
  return null;
}

function matchLabel(m: LabelMatcher, label: string): boolean {
  if (m.kind === 'literal') return label === m.text;
  return (
    label.length > m.prefix.length + m.suffix.length && label.startsWith(m.prefix) && label.endsWith(m.suffix)
  );
}
