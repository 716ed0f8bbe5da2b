// Reading the few body fields that rules name from a JSON request body. The parsed object never
// leaves this function: only booleans, the model name and tool type strings do.

import type { BodyFacts } from '../domain/facts.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** BodyFacts, or null when the body is not JSON or has the wrong shape (the caller fails closed). */
export function readBody(bytes: Uint8Array): BodyFacts | null {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  if (!isObject(json)) return null;
  const tools = json['tools'];
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) return null;
  const store = json['store'];
  if (store !== undefined && store !== null && typeof store !== 'boolean') return null;
  const toolTypes: string[] = [];
  const allowedCallers: string[] = [];
  for (const t of (tools ?? []) as unknown[]) {
    if (!isObject(t)) continue;
    if (typeof t['type'] === 'string') toolTypes.push(t['type']);
    const callers = t['allowed_callers'];
    if (Array.isArray(callers)) for (const c of callers) if (typeof c === 'string') allowedCallers.push(c);
  }
  const container = json['container'];
  return {
    model: typeof json['model'] === 'string' ? json['model'] : null,
    store: typeof store === 'boolean' ? store : null,
    // Anything but absent, null or false counts as set: an odd value must not slip past a rule.
    background: isSet(json['background']),
    previousResponseId: isSet(json['previous_response_id']),
    conversation: isSet(json['conversation']),
    toolTypes,
    allowedCallers,
    mcpServers: isSet(json['mcp_servers']),
    skills: isSet(json['skills']) || (isObject(container) && isSet(container['skills'])),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0);
}
