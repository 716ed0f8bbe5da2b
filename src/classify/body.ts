// Reading the few body fields that rules name from a JSON request body. The parsed object never
// leaves this function: only booleans, the model name and tool type strings do.

import type { BodyFacts } from '../domain/facts.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** BodyFacts, or null when the body is not JSON or has the wrong shape (the caller fails closed). */
export function readBody(bytes: Uint8Array): BodyFacts | null {
  let json: unknown;
  try {
    const text = decoder.decode(bytes);
    if (!plainShape(text)) return null;
    json = JSON.parse(text);
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

/** Deeper than this is refused unparsed: Python's json gives up near 1,000, and V8 takes seconds on millions. */
const MAX_DEPTH = 512;

/**
 * One linear pass over the text: false when it nests deeper than MAX_DEPTH or an object repeats a
 * key. JSON.parse keeps the last of two equal keys and another parser may keep the first, so a
 * repeated key could show the policy one value and the provider another.
 */
function plainShape(text: string): boolean {
  const stack: (Set<string> | null)[] = []; // a Set per open object, null per open array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c) {
          escaped = true;
          j++;
        }
        j++;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top instanceof Set) {
        const raw = text.slice(i + 1, j);
        let key = raw;
        if (escaped) {
          try {
            key = JSON.parse(`"${raw}"`) as string;
          } catch {
            return false;
          }
        }
        if (top.has(key)) return false;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= MAX_DEPTH) return false;
      stack.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return true;
}
