// RequestFacts: everything the policy may look at, produced by classify/ from one request.
// Facts never hold a raw credential, a header value other than the few allow-listed identifiers,
// a query string or body content: only the fields that rules name.

export type Fingerprint = string & { readonly __brand: 'Fingerprint' };
export type RuleId = string & { readonly __brand: 'RuleId' };

export const SURFACES = ['api', 'consumer', 'console', 'auxiliary'] as const;
export type Surface = (typeof SURFACES)[number];

export interface CredentialFacts {
  /** Lower-case name of the header that carried it (`authorization`, `x-api-key`, ...). */
  readonly header: string;
  /** Catalog kind chosen by prefix, e.g. `anthropic_api_key`; `unknown` when no prefix matched. */
  readonly kind: string;
  /** SHA-256 hex of the credential; the raw value is dropped right after hashing. */
  readonly fingerprint: Fingerprint;
}

/** Body fields that rules name, parsed from JSON within the inspection cap. */
export interface BodyFacts {
  readonly model: string | null;
  /** `store` as sent: true, false, or null when absent. */
  readonly store: boolean | null;
  readonly background: boolean;
  readonly previousResponseId: boolean;
  readonly conversation: boolean;
  /** `type` of every entry of `tools` (OpenAI and Anthropic alike). */
  readonly toolTypes: readonly string[];
  /** Every `allowed_callers` entry of every tool. */
  readonly allowedCallers: readonly string[];
  readonly mcpServers: boolean;
  readonly skills: boolean;
}

/**
 * none: the request has no body. not_inspected: policy did not need it. parsed: `body` is set.
 * unreadable: not JSON, or JSON of the wrong shape. too_large: above the inspection cap.
 */
export type BodyState = 'none' | 'not_inspected' | 'parsed' | 'unreadable' | 'too_large';

export interface RequestFacts {
  /** Normalised: lower case, no trailing dot, IDNA (punycode) form; IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  readonly scheme: 'https' | 'http';
  /** Upper case. */
  readonly method: string;
  /** Path only: the query string is cut off before anything else sees the URL. */
  readonly path: string;
  readonly websocket: boolean;
  /** From the catalog; null when the host is not in it. */
  readonly provider: string | null;
  readonly surface: Surface | null;
  readonly credential: CredentialFacts | null;
  /** OpenAI-Organization / OpenAI-Project identifiers (ids, not secrets). */
  readonly orgId: string | null;
  readonly projectId: string | null;
  /** `anthropic-beta` values, split on commas, trimmed, lower case. */
  readonly betas: readonly string[];
  readonly bodyState: BodyState;
  readonly body: BodyFacts | null;
  /** True when the request prefers HTML (a browser navigation): only used to pick the rendering. */
  readonly wantsHtml: boolean;
}
