// Endpoint path patterns, compiled once and matched without splitting the request path.
// `/v1/files/**` matches /v1/files and everything below it; `{id}` matches one non-empty segment
// and may sit inside literal text (`{model}:generateContent`). Matching is exact and case-sensitive:
// anything unusual (`//`, a trailing `/`, percent-encoding) fails to match, and the allow-list blocks it.

import type { PathMatcher, PathSegment } from './types.js';

/** Compiles a pattern, or returns a message saying what is wrong with it. */
export function compilePath(pattern: string): PathMatcher | string {
  if (!pattern.startsWith('/')) return `path '${pattern}' must start with '/'`;
  if (pattern.includes('?'))
    return `path '${pattern}' must not contain a query string: paths are matched without it`;
  const parts = pattern === '/' ? [''] : pattern.slice(1).split('/');
  const rest = parts[parts.length - 1] === '**';
  if (rest) parts.pop();
  const segments: PathSegment[] = [];
  for (const part of parts) {
    if (part.includes('*')) return `path '${pattern}': '**' is only allowed as the last segment`;
    const open = part.indexOf('{');
    if (open === -1) {
      if (part.includes('}')) return `path '${pattern}': unbalanced '}' in segment '${part}'`;
      if (part === '' && pattern !== '/')
        return `path '${pattern}' has an empty segment; remove the doubled or trailing '/'`;
      segments.push({ kind: 'literal', text: part });
      continue;
    }
    const close = part.indexOf('}', open);
    if (close === -1 || part.indexOf('{', open + 1) !== -1 || part.indexOf('}', close + 1) !== -1) {
      return `path '${pattern}': segment '${part}' may hold one {placeholder}, written as {name}`;
    }
    segments.push({ kind: 'param', prefix: part.slice(0, open), suffix: part.slice(close + 1) });
  }
  return { pattern, segments, rest };
}

/** True when every segment of the pattern is literal (the path can be looked up in a Map). */
export function isLiteralPath(m: PathMatcher): boolean {
  return !m.rest && m.segments.every((s) => s.kind === 'literal');
}

export function matchPath(m: PathMatcher, path: string): boolean {
  if (path.charCodeAt(0) !== 47 /* / */) return false;
  let pos = 1;
  const segs = m.segments;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as PathSegment;
    if (pos > path.length) return false;
    let end = path.indexOf('/', pos);
    if (end === -1) end = path.length;
    const len = end - pos;
    if (seg.kind === 'literal') {
      if (len !== seg.text.length || !path.startsWith(seg.text, pos)) return false;
    } else {
      const fixed = seg.prefix.length + seg.suffix.length;
      if (len <= fixed) return false;
      if (!path.startsWith(seg.prefix, pos) || !path.startsWith(seg.suffix, end - seg.suffix.length))
        return false;
    }
    pos = end + 1;
  }
  // pos is one past the '/' that ended the last matched segment, or path.length + 1 at the end.
  return pos === path.length + 1 || m.rest;
}
