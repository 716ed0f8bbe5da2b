// Editing the approved-credentials list as YAML text, keeping the operator's comments (yaml Document
// API). Pure: the CLI reads and writes the file. Only fingerprints ever enter the text.

import { isMap, isSeq, parseDocument, type Document, YAMLSeq } from 'yaml';
import type { PolicyFile } from './schema.js';

export interface ApprovedCredential {
  readonly provider: string;
  readonly fingerprint: string;
  readonly label: string;
  readonly added?: string;
}

export type EditResult =
  { ok: true; text: string; changed: ApprovedCredential[] } | { ok: false; message: string };

export const NEW_CREDENTIALS_FILE = `# ZDR-approved API credentials (fingerprints only). Managed with 'zdr-egress credential add|list|remove'.
version: 1
credentials: []
`;

export function addCredential(text: string, c: ApprovedCredential): EditResult {
  const doc = parse(text);
  if (typeof doc === 'string') return { ok: false, message: doc };
  const seq = credentialSeq(doc);
  if (typeof seq === 'string') return { ok: false, message: seq };
  const existing = entries(seq).find((e) => e.provider === c.provider && e.fingerprint === c.fingerprint);
  if (existing !== undefined) {
    return {
      ok: false,
      message: `this credential is already approved for ${c.provider} as '${existing.label}'`,
    };
  }
  seq.flow = false;
  seq.add(doc.createNode({ ...c }));
  return { ok: true, text: doc.toString(), changed: [c] };
}

/** Removes by full fingerprint, a unique fingerprint prefix (12+ hex chars), or a unique label. */
export function removeCredential(text: string, selector: string): EditResult {
  const doc = parse(text);
  if (typeof doc === 'string') return { ok: false, message: doc };
  const seq = credentialSeq(doc);
  if (typeof seq === 'string') return { ok: false, message: seq };
  const all = entries(seq);
  const byFp = /^[0-9a-f]{12,64}$/.test(selector)
    ? all.filter((e) => e.fingerprint.startsWith(selector))
    : [];
  const matches = byFp.length > 0 ? byFp : all.filter((e) => e.label === selector);
  if (matches.length === 0)
    return {
      ok: false,
      message: 'no approved credential has that fingerprint or label; see zdr-egress credential list',
    };
  if (matches.length > 1)
    return { ok: false, message: `${matches.length} credentials match; remove one by its full fingerprint` };
  const target = matches[0] as ApprovedCredential;
  seq.items = seq.items.filter((_, i) => all[i] !== target);
  return { ok: true, text: doc.toString(), changed: [target] };
}

/** Reads the credentials section of one file's parsed data. */
export function listCredentials(data: PolicyFile): ApprovedCredential[] {
  return (data.credentials ?? []).map((c) => ({
    provider: c.provider,
    fingerprint: c.fingerprint,
    label: c.label,
    ...(c.added ? { added: c.added } : {}),
  }));
}

function parse(text: string): Document | string {
  // An empty file (only comments) starts over from the template.
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    return 'the credentials file is not valid YAML; fix it first (zdr-egress policy check)';
  if (doc.contents === null) return parseDocument(NEW_CREDENTIALS_FILE);
  if (!isMap(doc.contents)) return "the credentials file must be a map with 'version: 1' and 'credentials:'";
  return doc;
}

function credentialSeq(doc: Document): YAMLSeq | string {
  const node = doc.get('credentials', true);
  if (
    node === undefined ||
    node === null ||
    (typeof node === 'object' && 'value' in node && node.value === null)
  ) {
    const seq = new YAMLSeq();
    doc.set('credentials', seq);
    return seq;
  }
  return isSeq(node) ? node : "'credentials' must be a list";
}

function entries(seq: YAMLSeq): ApprovedCredential[] {
  return seq.items.map((item) => {
    const v = (isMap(item) ? item.toJSON() : {}) as Partial<ApprovedCredential>;
    return {
      provider: String(v.provider ?? ''),
      fingerprint: String(v.fingerprint ?? ''),
      label: String(v.label ?? ''),
      ...(v.added ? { added: String(v.added) } : {}),
    };
  });
}
