// The text shown by `policy explain`, on the block page and in reports. It names the request by its
// metadata only (method, host, path without query, provider, credential kind and fingerprint):
// never a credential, a header value or body content.

import type { Decision } from '../domain/decision.js';
import type { RequestFacts } from '../domain/facts.js';

export function explain(decision: Decision, facts: RequestFacts): string {
  const lines = [
    `Decision:   ${decision.action.toUpperCase()} (reason ${decision.reason}, rule ${decision.ruleId})`,
    `Request:    ${facts.method} ${facts.scheme}://${hostPort(facts)}${facts.path}${facts.websocket ? ' (WebSocket)' : ''}`,
  ];
  if (facts.provider !== null)
    lines.push(`Provider:   ${facts.provider} (${facts.surface ?? 'unknown'} surface)`);
  if (facts.credential !== null) {
    lines.push(
      `Credential: ${facts.credential.kind} in ${facts.credential.header}, fingerprint ${facts.credential.fingerprint}`,
    );
  }
  if (facts.betas.length > 0) lines.push(`Betas:      ${facts.betas.join(', ')}`);
  lines.push(`Body:       ${bodyLine(facts)}`);
  lines.push(`Why:        ${decision.explanation}`);
  if (decision.remedy !== '') lines.push(`Remedy:     ${decision.remedy}`);
  if (decision.inject.length > 0) lines.push(`Injects:    ${decision.inject.map((h) => h.name).join(', ')}`);
  return lines.join('\n');
}

function hostPort(f: RequestFacts): string {
  const host = f.host.includes(':') ? `[${f.host}]` : f.host;
  const standard = (f.scheme === 'https' && f.port === 443) || (f.scheme === 'http' && f.port === 80);
  return standard ? host : `${host}:${f.port}`;
}

function bodyLine(f: RequestFacts): string {
  switch (f.bodyState) {
    case 'none':
      return 'none';
    case 'not_inspected':
      return 'not inspected';
    case 'unreadable':
      return 'not valid JSON';
    case 'too_large':
      return 'above the inspection limit';
    case 'parsed': {
      const b = f.body;
      if (b === null) return 'parsed';
      const fields = [
        b.store !== null ? `store: ${String(b.store)}` : 'store unset',
        b.background ? 'background' : '',
        b.previousResponseId ? 'previous_response_id' : '',
        b.conversation ? 'conversation' : '',
        b.mcpServers ? 'mcp_servers' : '',
        b.skills ? 'skills' : '',
        b.toolTypes.length > 0 ? `tools: ${b.toolTypes.join(', ')}` : '',
      ].filter((s) => s !== '');
      return `JSON (${fields.join('; ')})`;
    }
  }
}
