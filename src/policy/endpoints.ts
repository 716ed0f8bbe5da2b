// Finding the catalog endpoint a request addresses: data-retaining endpoints first (an explicit
// block beats the allow-list), then eligible ones by exact path, then eligible path patterns.

import type { RequestFacts } from '../domain/facts.js';
import { matchPath } from './paths.js';
import type { Endpoint, EndpointTable } from './types.js';

export function findEndpoint(table: EndpointTable, facts: RequestFacts): Endpoint | null {
  for (const e of table.retaining) {
    if (methodFits(e, facts.method) && matchPath(e.matcher, facts.path)) return e;
  }
  const exact = table.exact.get(facts.path);
  if (exact !== undefined) {
    for (const e of exact) if (fits(e, facts)) return e;
  }
  for (const e of table.patterns) {
    if (fits(e, facts) && matchPath(e.matcher, facts.path)) return e;
  }
  return null;
}

function methodFits(e: Endpoint, method: string): boolean {
  return e.methods === null || e.methods.has(method);
}

/** Eligible endpoints also match on WebSocket-ness: an upgrade only reaches endpoints marked websocket. */
function fits(e: Endpoint, facts: RequestFacts): boolean {
  return e.websocket === facts.websocket && methodFits(e, facts.method);
}
