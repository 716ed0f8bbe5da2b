// The contract between the policy core and everything that uses it (proxy, cli, admin, pac).
// Compiled policies are frozen plain data plus lookup methods; nothing here does I/O.
// The members below the contract's original ones are the compiled tables decide() and classify/ read;
// other layers should treat them as opaque.

import type { Decision, HeaderInjection, Mode } from '../domain/decision.js';
import type { RequestFacts, RuleId, Surface } from '../domain/facts.js';
import type { ReasonCode } from '../domain/reason.js';

/** What the catalog says about one host. */
export interface HostEntry {
  readonly provider: string;
  readonly surface: Surface;
  /**
   * intercept: TLS is terminated and every request decided.
   * refuse: the CONNECT itself is refused with 403 (e.g. certificate-pinned apps), nothing decrypted.
   */
  readonly handling: 'intercept' | 'refuse';
  /** The catalog pattern that matched, as written (`api.openai.com`, `*.oaiusercontent.com`). */
  readonly pattern: string;
  /** `<provider>.<pattern>`: the rule id of the host entry itself. */
  readonly ruleId: RuleId;
  /** The provider's shared tables (credential sources, key kinds, endpoints). */
  readonly catalog: ProviderCatalog;
  /** Path rules, checked in order before the host's access. */
  readonly paths: readonly PathRule[];
  readonly access: HostAccess;
  /** Tenant-restriction headers set on every allowed or reported request to this host. */
  readonly inject: readonly HeaderInjection[];
  /** Anthropic OAuth tokens pass on this host (a tenant header restricts the organisation). */
  readonly oauthAllowed: boolean;
  /** Precomputed CONNECT verdict (decideConnect returns it without allocating). */
  readonly connect: ConnectVerdict;
}

/** The request head as the proxy saw it; classify/ turns it into RequestFacts. */
export interface RequestHead {
  readonly method: string;
  /** Already normalised by classify/host.ts. */
  readonly host: string;
  readonly port: number;
  readonly scheme: 'https' | 'http';
  /** Request target as received (origin-form path, may carry a query string: cut it). */
  readonly target: string;
  /** Node's lower-cased header object. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly websocket: boolean;
}

export interface CompiledPolicy {
  /** Content hash of the policy files (first 12 hex chars of SHA-256). */
  readonly version: string;
  /** Global mode; a rule may also set its own. `--mode` overrides both. */
  readonly mode: Mode;
  /** Ports a CONNECT may reach (default 443). */
  readonly allowedPorts: ReadonlySet<number>;
  /** Catalog lookup by normalised host: exact host first, then the closest `*.suffix` entry. */
  lookupHost(host: string): HostEntry | null;
  /**
   * Every host the policy names (for PAC files and name constraints); wildcards as `*.suffix`.
   * A label pattern such as `*-aiplatform.googleapis.com` keeps its `*` inside the label
   * (PAC shExpMatch reads it the same way).
   */
  readonly namedHosts: readonly string[];
  /** Provider display names by provider id. */
  readonly providers: ReadonlyMap<string, string>;
  /** Approved credential fingerprints per provider id. */
  readonly approved: ReadonlyMap<string, ReadonlySet<string>>;
  /** Every rule by id (hosts, paths, endpoints, header and body rules, builtins): for explain and docs. */
  readonly rules: ReadonlyMap<string, RuleInfo>;
  /** Rules that belong to no provider (port, unlisted host, proxy-detected conditions). */
  readonly builtins: GlobalBuiltins;
}

/** Why and how a rule decides; precomputed at compile time so decide() allocates nothing. */
export interface CompiledRule {
  readonly id: RuleId;
  readonly reason: ReasonCode;
  /** false: report mode, the rule's decision is 'report' and evaluation goes on. */
  readonly enforce: boolean;
  /** action block, warn or report; inject empty (decide adds the host's headers to a report). */
  readonly decision: Decision;
}

export interface RuleInfo {
  readonly id: RuleId;
  readonly reason: ReasonCode;
  readonly mode: Mode;
  readonly action: 'block' | 'warn' | 'allow';
  readonly enabled: boolean;
  /** Policy file that defines the rule (`builtin` for builtins). */
  readonly file: string;
  readonly source: string;
}

/** A path rule either allows (reason `allowed`, returned as is) or blocks with its rule. */
export type PathRule =
  | {
      readonly kind: 'allow';
      readonly id: RuleId;
      readonly matcher: PathMatcher;
      readonly decision: Decision;
    }
  | {
      readonly kind: 'block';
      readonly id: RuleId;
      readonly matcher: PathMatcher;
      readonly rule: CompiledRule;
    };

export type HostAccess =
  /** blocked host; `pass` is the allow decision used when the rule is in report mode. */
  | { readonly kind: 'block'; readonly rule: CompiledRule; readonly pass: Decision }
  | { readonly kind: 'allow'; readonly decision: Decision }
  /** API host: endpoint, credential, header and body rules; `allow[i]` answers endpoint index i. */
  | { readonly kind: 'api'; readonly allow: readonly Decision[]; readonly pass: Decision };

export type ConnectVerdict =
  | { readonly kind: 'tunnel' }
  | { readonly kind: 'intercept'; readonly entry: HostEntry }
  | { readonly kind: 'refuse'; readonly decision: Decision }
  | { readonly kind: 'tunnel_reported'; readonly decision: Decision };

/** A compiled path pattern: `/v1/files/**`, `/v1/threads/{id}/runs`, `/v1beta/models/{model}:generateContent`. */
export interface PathMatcher {
  readonly pattern: string;
  readonly segments: readonly PathSegment[];
  /** Pattern ended in `/**`: any further segments (or none) match. */
  readonly rest: boolean;
}

export type PathSegment =
  | { readonly kind: 'literal'; readonly text: string }
  /** `{name}` alone or with literal text around it: non-empty middle. */
  | { readonly kind: 'param'; readonly prefix: string; readonly suffix: string };

export type CredentialSource =
  | { readonly kind: 'header'; readonly header: string }
  | { readonly kind: 'bearer'; readonly header: string }
  | { readonly kind: 'aws_sigv4'; readonly header: string }
  | { readonly kind: 'subprotocol'; readonly header: string; readonly prefix: string }
  | { readonly kind: 'query'; readonly param: string };

export interface KeyKind {
  readonly prefix: string;
  readonly kind: string;
  readonly oauth: boolean;
}

export interface Endpoint {
  readonly id: RuleId;
  readonly index: number;
  readonly name: string;
  /** Upper-case methods; null: any method. */
  readonly methods: ReadonlySet<string> | null;
  readonly matcher: PathMatcher;
  readonly websocket: boolean;
  /** Set for data-retaining endpoints (decide blocks with it); null for ZDR-eligible ones. */
  readonly retaining: CompiledRule | null;
  readonly headerRules: readonly TestRule<readonly string[]>[];
  readonly bodyRules: readonly TestRule<BodyView>[];
}

/** What body rules read: the parsed body facts. */
export type BodyView = NonNullable<RequestFacts['body']>;

export interface TestRule<T> {
  readonly rule: CompiledRule;
  readonly test: (value: T) => boolean;
}

/** Endpoints of one provider: data-retaining ones first, then eligible ones. */
export interface EndpointTable {
  readonly retaining: readonly Endpoint[];
  /** Eligible endpoints with a fully literal path, by path. */
  readonly exact: ReadonlyMap<string, readonly Endpoint[]>;
  readonly patterns: readonly Endpoint[];
}

/** Builtin rules worded for one provider. */
export interface ProviderBuiltins {
  readonly unknownEndpoint: CompiledRule;
  readonly missingCredential: CompiledRule;
  readonly unapprovedCredential: CompiledRule;
  readonly oauthToken: CompiledRule;
  readonly bodyUnreadable: CompiledRule;
  readonly bodyNotInspected: CompiledRule;
  readonly bodyTooLarge: CompiledRule;
}

export interface ProviderCatalog {
  readonly id: string;
  readonly name: string;
  readonly credentialSources: readonly CredentialSource[];
  /** Longest prefix first. */
  readonly keyKinds: readonly KeyKind[];
  /** Kinds marked `oauth: true` (decide blocks them with oauth_token). */
  readonly oauthKinds: ReadonlySet<string>;
  readonly endpoints: EndpointTable;
  readonly builtins: ProviderBuiltins;
}

export interface GlobalBuiltins {
  readonly portNotAllowed: CompiledRule;
  /** CONNECT verdict for a port outside allowed_ports: refuse, or tunnel_reported in report mode. */
  readonly portVerdict: ConnectVerdict;
  /** Allow decision for a host outside the catalog (decide is total; the proxy tunnels those). */
  readonly unlisted: Decision;
  /** Block decisions for the conditions the proxy detects itself, by reason. */
  readonly fixed: Readonly<Record<ReasonCode, Decision>>;
}
