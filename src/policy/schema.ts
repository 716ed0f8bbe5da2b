// The policy file schema (version 1). Strict: an unknown key is an error, so a mistyped key never
// silently weakens the policy. A file may hold any of the sections; settings and tenants at most once.

import { z } from 'zod';
import { SURFACES } from '../domain/facts.js';

const text = z.string().trim().min(1);
const source = text;
const mode = z.enum(['enforce', 'report']);
const blockAction = z.enum(['block', 'warn']);
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_.*-]*$/);

export const HOST_REASONS = [
  'consumer_surface',
  'console_surface',
  'host_blocked',
  'provider_not_zdr',
] as const;
export const PATH_REASONS = [
  'allowed',
  'consumer_surface',
  'console_surface',
  'host_blocked',
  'anonymous_use',
  'data_retaining_endpoint',
] as const;
export const RULE_REASONS = ['retaining_feature', 'retaining_tool', 'retaining_beta'] as const;
export const BODY_FIELDS = [
  'store',
  'background',
  'previous_response_id',
  'conversation',
  'mcp_servers',
  'skills',
] as const;

const wording = { explanation: text.optional(), remedy: text.optional() };

const pathRule = z.strictObject({
  id: ruleId,
  path: z.string(),
  reason: z.enum(PATH_REASONS),
  action: blockAction.optional(),
  mode: mode.optional(),
  source,
  ...wording,
});

const hostGroup = z.strictObject({
  names: z.array(z.string()).min(1),
  surface: z.enum(SURFACES),
  handling: z.enum(['intercept', 'refuse']).optional(),
  access: z.enum(['api', 'block', 'allow']).optional(),
  reason: z.enum(HOST_REASONS).optional(),
  action: blockAction.optional(),
  mode: mode.optional(),
  paths: z.array(pathRule).optional(),
  source,
  ...wording,
});

const credentialSource = z.union([
  z.strictObject({
    header: z.string().regex(/^[a-z0-9-]+$/),
    scheme: z.enum(['bearer', 'aws-sigv4']).optional(),
  }),
  z.strictObject({
    header: z.string().regex(/^[a-z0-9-]+$/),
    scheme: z.literal('subprotocol'),
    prefix: text,
  }),
  z.strictObject({ query: text }),
]);

const keyKind = z.strictObject({
  prefix: text,
  kind: z.string().regex(/^[a-z0-9_]+$/),
  oauth: z.boolean().optional(),
  source,
});

const endpoint = z.strictObject({
  id: ruleId,
  name: text.optional(),
  methods: z
    .array(z.string().regex(/^[A-Z]+$/))
    .min(1)
    .optional(),
  path: z.string(),
  zdr: z.enum(['eligible', 'retaining']),
  websocket: z.boolean().optional(),
  inspect_body: z.boolean().optional(),
  mode: mode.optional(),
  source,
  ...wording,
});

const ruleCommon = {
  id: ruleId,
  name: text.optional(),
  reason: z.enum(RULE_REASONS).optional(),
  endpoints: z.array(ruleId).min(1).optional(),
  mode: mode.optional(),
  enabled: z.boolean().optional(),
  source,
  ...wording,
};
const globs = z.array(z.string().regex(/^[A-Za-z0-9_.:-]+\*?$/)).min(1);

const rule = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('body_field'),
    field: z.enum(BODY_FIELDS),
    is: z.union([z.literal(true), z.literal(false), z.literal('absent')]),
    ...ruleCommon,
  }),
  z.strictObject({ type: z.literal('tool'), tools: globs, ...ruleCommon }),
  z.strictObject({ type: z.literal('allowed_caller'), callers: globs, ...ruleCommon }),
  z.strictObject({ type: z.literal('model'), models: globs, ...ruleCommon }),
  z.strictObject({ type: z.literal('beta'), values: globs, ...ruleCommon }),
]);

const tenantHeader = z.strictObject({
  id: ruleId,
  header: z.string().regex(/^[a-z0-9-]+$/),
  hosts: z.array(z.string()).min(1),
  companion_hosts: z.array(z.string()).min(1).optional(),
  anonymous_paths: z.array(z.string()).min(1).optional(),
  source,
});

const provider = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  name: text,
  /** offered: an API with ZDR by arrangement; none: no ZDR (every host provider_not_zdr); consumer_only: no API. */
  zdr: z.enum(['offered', 'none', 'consumer_only']),
  source,
  mode: mode.optional(),
  remedy: text.optional(),
  hosts: z.array(hostGroup).min(1),
  credentials: z
    .strictObject({ sources: z.array(credentialSource).min(1), kinds: z.array(keyKind).optional() })
    .optional(),
  endpoints: z.array(endpoint).optional(),
  rules: z.array(rule).optional(),
  tenant_headers: z.array(tenantHeader).optional(),
});

const override = z.strictObject({
  enabled: z.boolean().optional(),
  mode: mode.optional(),
  action: blockAction.optional(),
});

const settings = z.strictObject({
  mode: mode.optional(),
  allowed_ports: z.array(z.number().int().min(1).max(65535)).min(1).optional(),
  overrides: z.record(ruleId, override).optional(),
});

const credential = z.strictObject({
  provider: z.string().min(1),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  label: text,
  added: z.string().optional(),
});

const tenant = z.strictObject({
  ids: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/)),
  allow_consumer: z.boolean().optional(),
  allow_oauth_tokens: z.boolean().optional(),
});

export const policyFileSchema = z.strictObject({
  version: z.literal(1),
  settings: settings.optional(),
  providers: z.array(provider).optional(),
  credentials: z.array(credential).nullable().optional(),
  tenants: z
    .record(z.string().regex(/^[a-z0-9-]+$/), tenant)
    .nullable()
    .optional(),
});

export type PolicyFile = z.infer<typeof policyFileSchema>;
export type ProviderSpec = z.infer<typeof provider>;
export type HostGroupSpec = z.infer<typeof hostGroup>;
export type PathRuleSpec = z.infer<typeof pathRule>;
export type EndpointSpec = z.infer<typeof endpoint>;
export type RuleSpec = z.infer<typeof rule>;
export type SettingsSpec = z.infer<typeof settings>;
export type OverrideSpec = z.infer<typeof override>;
export type TenantSpec = z.infer<typeof tenant>;
export type CredentialSpec = z.infer<typeof credential>;
export type CredentialSourceSpec = z.infer<typeof credentialSource>;
