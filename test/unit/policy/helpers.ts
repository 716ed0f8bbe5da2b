// Test helpers: build policies from inline YAML and request facts by hand.

import type { BodyFacts, BodyState, Fingerprint, RequestFacts } from '../../../src/domain/facts.js';
import { fingerprint } from '../../../src/classify/index.js';
import { buildPolicy, formatIssue, type PolicySource } from '../../../src/policy/build.js';
import type { CompiledPolicy } from '../../../src/policy/types.js';
import type { Mode } from '../../../src/domain/decision.js';

export function sources(files: Record<string, string>): PolicySource[] {
  return Object.entries(files).map(([name, text]) => ({ file: name, name, text }));
}

export function policyOf(files: Record<string, string>, mode?: Mode): CompiledPolicy {
  const r = buildPolicy(sources(files), mode === undefined ? {} : { mode });
  if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
  return r.policy;
}

export function errorsOf(files: Record<string, string>): string[] {
  const r = buildPolicy(sources(files));
  if (r.ok) throw new Error('expected the policy to be rejected');
  return r.errors.map(formatIssue);
}

export const NO_BODY: BodyFacts = {
  model: null,
  store: null,
  background: false,
  previousResponseId: false,
  conversation: false,
  toolTypes: [],
  allowedCallers: [],
  mcpServers: false,
  skills: false,
};

export interface FactsInput {
  host: string;
  path?: string;
  method?: string;
  port?: number;
  websocket?: boolean;
  provider?: string | null;
  /** Raw test credential: fingerprinted here. */
  key?: string | null;
  kind?: string;
  betas?: string[];
  bodyState?: BodyState;
  body?: Partial<BodyFacts> | null;
}

export function facts(i: FactsInput): RequestFacts {
  const bodyState = i.bodyState ?? (i.body ? 'parsed' : 'none');
  return {
    host: i.host,
    port: i.port ?? 443,
    scheme: 'https',
    method: i.method ?? 'POST',
    path: i.path ?? '/',
    websocket: i.websocket ?? false,
    provider: i.provider ?? null,
    surface: null,
    credential:
      i.key === undefined || i.key === null
        ? null
        : { header: 'x-api-key', kind: i.kind ?? 'unknown', fingerprint: fingerprint(i.key) as Fingerprint },
    orgId: null,
    projectId: null,
    betas: i.betas ?? [],
    bodyState,
    body: i.body === undefined || i.body === null ? null : { ...NO_BODY, ...i.body },
    wantsHtml: false,
  };
}
