// Block-page configuration: the operator-facing wording, links and logo. Parsed strictly (an unknown or
// mistyped key is an error naming it), normalised to camelCase and frozen. YAML keys are snake_case and
// live under `block_page:` in the --config file; errors name the key relative to that section.

import { z } from 'zod';

export interface BlockPageConfig {
  /** Who is blocking, in the employee's words ("Acme Corp"); default 'Your organization'. */
  readonly organization: string;
  /** Approved alternative (e.g. the internal AI portal); http(s) only. */
  readonly alternativeUrl: string | null;
  readonly alternativeLabel: string;
  /** Helpdesk e-mail address, mailto:/tel:/http(s) URL, or plain text such as a phone extension. */
  readonly contact: string | null;
  /** data:image/...;base64 only: the page loads nothing from any other origin. */
  readonly logoDataUri: string | null;
  /** Overrides the per-reason headline of block pages (not the warn page). */
  readonly headline?: string;
}

export const DEFAULT_BLOCK_PAGE: BlockPageConfig = Object.freeze({
  organization: 'Your organization',
  alternativeUrl: null,
  alternativeLabel: 'Open the approved AI assistant',
  contact: null,
  logoDataUri: null,
});

/** 256 KiB of base64 is plenty for a logo and keeps every block page small. */
const MAX_LOGO_CHARS = 256 * 1024;
const LOGO_PATTERN = /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;
const EMAIL_PATTERN = /^[^\s@<>"']+@[^\s@<>"']+\.[^\s@<>"']+$/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters (e.g. line breaks)');

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === ''
  );
}

const httpUrl = text(2048).refine(isHttpUrl, 'must be an http:// or https:// URL without credentials');

// Any text: the page links it only when it is an e-mail address, mailto:, tel: or http(s) URL, and
// escapes it otherwise, so "Helpdesk: ext. 4242" is fine and "javascript:..." is inert text.
const contact = text(200);

const logo = z
  .string()
  .max(MAX_LOGO_CHARS, `must be at most ${MAX_LOGO_CHARS} characters`)
  .refine((s) => s.startsWith('data:'), 'must be a data: URI (the block page loads no external assets)')
  .refine(
    (s) => !s.startsWith('data:') || LOGO_PATTERN.test(s),
    'must be data:image/(png|jpeg|gif|webp|svg+xml);base64,<data>',
  );

const schema = z.strictObject({
  organization: text(100).optional(),
  alternative_url: httpUrl.nullable().optional(),
  alternative_label: text(100).optional(),
  contact: contact.nullable().optional(),
  logo_data_uri: logo.nullable().optional(),
  headline: text(160).optional(),
});

export function parseBlockPageConfig(
  raw: unknown,
): { ok: true; config: BlockPageConfig } | { ok: false; errors: string[] } {
  // An absent `block_page:` section (or an empty one in YAML, which parses as null) means defaults.
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    return { ok: false, errors: result.error.issues.flatMap(describeIssue) };
  }
  const v = result.data;
  const config: BlockPageConfig = {
    organization: v.organization ?? DEFAULT_BLOCK_PAGE.organization,
    alternativeUrl: v.alternative_url ?? null,
    alternativeLabel: v.alternative_label ?? DEFAULT_BLOCK_PAGE.alternativeLabel,
    contact: v.contact ?? null,
    logoDataUri: v.logo_data_uri ?? null,
    ...(v.headline === undefined ? {} : { headline: v.headline }),
  };
  return { ok: true, config: Object.freeze(config) };
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(schema.shape).join(', ');
    return issue.keys.map((key) => `${at === '' ? key : `${at}.${key}`}: unknown key (known keys: ${known})`);
  }
  if (at === '') return [`block_page must be a mapping of keys to values (${issue.message})`];
  return [`${at}: ${issue.message}`];
}

/** True when `contact` should be rendered as a mailto: link. */
export function isEmailContact(contact: string): boolean {
  return EMAIL_PATTERN.test(contact);
}

export { isHttpUrl };
