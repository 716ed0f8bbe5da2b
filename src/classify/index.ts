// classify: request head (and, when policy needs it, body) -> RequestFacts. Runs on every request:
// one host lookup, a hash when a credential is present, and no other per-request tables.

import type { BodyState, RequestFacts } from '../domain/facts.js';
import type { CompiledPolicy, RequestHead } from '../policy/types.js';
import { readBody } from './body.js';
import { readCredential } from './credential.js';

export { fingerprint } from './credential.js';

const NO_BETAS: readonly string[] = Object.freeze([]);
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const BETA = /^[a-z0-9._-]{1,64}$/;

/**
 * Facts from the head. bodyState is 'none' when the head announces no body (no content-length > 0 and
 * no transfer-encoding), else 'not_inspected'. The credential (API hosts only) is fingerprinted here
 * and the raw value dropped; the query string is cut from the path.
 */
export function classifyHead(head: RequestHead, policy: CompiledPolicy): RequestFacts {
  const entry = policy.lookupHost(head.host);
  const q = head.target.indexOf('?');
  const h = head.headers;
  return {
    host: head.host,
    port: head.port,
    scheme: head.scheme,
    method: head.method.toUpperCase(),
    path: pathOf(head.target, q),
    websocket: head.websocket,
    provider: entry?.provider ?? null,
    surface: entry?.surface ?? null,
    credential: entry !== null && entry.access.kind === 'api' ? readCredential(head, entry, q, policy) : null,
    orgId: idHeader(h['openai-organization']),
    projectId: idHeader(h['openai-project']),
    betas: betas(h['anthropic-beta']),
    bodyState: bodyState(h),
    body: null,
    wantsHtml: first(h['accept'])?.includes('text/html') === true,
  };
}

/** Adds body facts: JSON within the cap -> 'parsed'; not JSON or wrong shape -> 'unreadable'. */
export function classifyBody(facts: RequestFacts, body: Uint8Array | 'too_large'): RequestFacts {
  if (body === 'too_large') return { ...facts, bodyState: 'too_large', body: null };
  if (body.length === 0) return { ...facts, bodyState: 'none', body: null };
  const parsed = readBody(body);
  return parsed === null
    ? { ...facts, bodyState: 'unreadable', body: null }
    : { ...facts, bodyState: 'parsed', body: parsed };
}

/** Origin-form `/p?q` -> `/p`; an absolute-form target keeps only its path. */
function pathOf(target: string, q: number): string {
  let end = q === -1 ? target.length : q;
  const hash = target.indexOf('#');
  if (hash !== -1 && hash < end) end = hash;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const scheme = target.indexOf('://');
    if (scheme !== -1 && scheme < end) {
      const slash = target.indexOf('/', scheme + 3);
      return slash === -1 || slash >= end ? '/' : target.slice(slash, end);
    }
  }
  return target.slice(0, end);
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function idHeader(v: string | string[] | undefined): string | null {
  const s = first(v)?.trim();
  return s !== undefined && ID.test(s) ? s : null;
}

function betas(v: string | string[] | undefined): readonly string[] {
  if (v === undefined) return NO_BETAS;
  const out: string[] = [];
  for (const part of (Array.isArray(v) ? v.join(',') : v).split(',')) {
    const b = part.trim().toLowerCase();
    if (b !== '') out.push(BETA.test(b) ? b : 'invalid');
  }
  return out;
}

function bodyState(h: RequestHead['headers']): BodyState {
  if (h['transfer-encoding'] !== undefined) return 'not_inspected';
  const len = first(h['content-length']);
  if (len === undefined) return 'none';
  // A malformed length counts as a body: fail towards inspection.
  return /^\s*0+\s*$/.test(len) ? 'none' : 'not_inspected';
}
