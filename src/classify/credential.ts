// Finding the credential in a request head, as the provider's catalog entry says, and reducing it to
// a fingerprint and a kind. The raw value lives only inside readCredential; nothing keeps it.

import { hash } from 'node:crypto';
import type { CredentialFacts, Fingerprint } from '../domain/facts.js';
import type { CompiledPolicy, CredentialSource, HostEntry, KeyKind, RequestHead } from '../policy/types.js';

/** SHA-256 hex of the credential string: the only form a credential takes outside this module. */
export function fingerprint(credential: string): Fingerprint {
  // One-shot crypto.hash (Node >= 20.12): no Hash object per request.
  return hash('sha256', credential, 'hex') as Fingerprint;
}

/**
 * Reads every credential source the provider declares. When a request carries several different
 * credentials, the one decide() would reject (OAuth kind, or not approved) is reported, so a
 * second, personal key cannot ride along with an approved one.
 */
export function readCredential(
  head: RequestHead,
  entry: HostEntry,
  queryStart: number,
  policy: CompiledPolicy,
): CredentialFacts | null {
  let chosen: CredentialFacts | null = null;
  const approved = policy.approved.get(entry.provider);
  for (const src of entry.catalog.credentialSources) {
    const raw = extract(src, head, queryStart);
    if (raw === null) continue;
    const c: CredentialFacts = {
      header: src.kind === 'query' ? `?${src.param}` : src.header,
      kind: kindOf(entry.catalog.keyKinds, raw),
      fingerprint: fingerprint(raw),
    };
    const weak = entry.catalog.oauthKinds.has(c.kind) || approved?.has(c.fingerprint) !== true;
    if (chosen === null) chosen = c;
    if (weak) return c;
  }
  return chosen;
}

function kindOf(kinds: readonly KeyKind[], raw: string): string {
  for (const k of kinds) if (raw.startsWith(k.prefix)) return k.kind;
  return 'unknown';
}

function headerValue(head: RequestHead, name: string): string | null {
  const v = head.headers[name];
  const s = (Array.isArray(v) ? v.join(', ') : (v ?? '')).trim();
  return s === '' ? null : s;
}

const BEARER = /^bearer\s+(\S.*)$/i;
// SigV4: the access key id is the stable identity (the signature changes on every request).
const SIGV4 = /^AWS4-HMAC-SHA256\s+Credential=([A-Z0-9]+)\//;

function extract(src: CredentialSource, head: RequestHead, queryStart: number): string | null {
  switch (src.kind) {
    case 'header':
      return headerValue(head, src.header);
    case 'bearer': {
      const m = BEARER.exec(headerValue(head, src.header) ?? '');
      return m?.[1]?.trim() ?? null;
    }
    case 'aws_sigv4':
      return SIGV4.exec(headerValue(head, src.header) ?? '')?.[1] ?? null;
    case 'subprotocol': {
      const v = headerValue(head, src.header);
      if (v === null) return null;
      for (const part of v.split(',')) {
        const p = part.trim();
        if (p.startsWith(src.prefix) && p.length > src.prefix.length) return p.slice(src.prefix.length);
      }
      return null;
    }
    case 'query': {
      if (queryStart === -1) return null;
      const hash = head.target.indexOf('#', queryStart);
      const query = head.target.slice(queryStart + 1, hash === -1 ? undefined : hash);
      const v = new URLSearchParams(query).get(src.param);
      return v === null || v === '' ? null : v;
    }
    default: {
      const unreachable: never = src;
      return unreachable;
    }
  }
}
