// /reports/why/<id>: one decision with every recorded field, the explanation and the remedy, and
// links to the related reports (same user or client, same host, same reason).

import type { DecisionRow } from '../../decision-log/row.js';
import { explainRow } from '../../decision-log/why.js';
import { esc, isoSecond, num } from './html.js';
import { reasonLabel } from './labels.js';

export function whyBody(r: DecisionRow): string {
  const t = explainRow(r);
  const link = (q: Record<string, string>): string =>
    esc(`/reports?${new URLSearchParams({ since: 'all', ...q }).toString()}`);
  const who = r.user !== null ? { user: r.user } : { client: r.client_ip };
  const fields: [string, string][] = [
    ['Decision id', `<span class="mono">${esc(r.id)}</span>`],
    ['Time', `${esc(isoSecond(r.ts))} UTC`],
    ['Action', `<span class="badge ${esc(r.action)}">${esc(r.action)}</span>`],
    ['Reason', `${esc(reasonLabel(r.reason))} <span class="mono muted">${esc(r.reason)}</span>`],
    ['Rule', `<span class="mono">${esc(r.rule_id ?? 'unknown')}</span>`],
    [
      'Request',
      `<span class="mono">${esc(`${r.method} ${r.host}${r.port !== null && r.port !== 443 ? `:${r.port}` : ''}${r.path}`)}</span>`,
    ],
    ['Provider', esc(r.provider === null ? 'none' : `${r.provider} (${r.surface ?? 'unknown'} surface)`)],
    ['User', r.user === null ? '<span class="muted">unknown</span>' : esc(r.user)],
    ['Client address', esc(r.client_ip)],
    [
      'Credential',
      r.credential_kind === null
        ? '<span class="muted">none</span>'
        : `${esc(r.credential_kind)} <span class="mono muted">${esc(r.credential_fp ?? '')}</span>`,
    ],
    [
      'Response',
      esc(
        `status ${r.status ?? '-'}, ${num(r.bytes_up ?? 0)} B up, ${num(r.bytes_down ?? 0)} B down, ${num(r.duration_ms ?? 0)} ms`,
      ),
    ],
    ['Policy version', `<span class="mono">${esc(r.policy_version ?? 'unknown')}</span>`],
  ];
  return `<div class="bar"><h1>Why was this ${r.action === 'allow' ? 'allowed' : r.action === 'block' ? 'blocked' : r.action === 'warn' ? 'warned' : 'reported'}?</h1><a href="/reports">← all decisions</a></div>
<section class="card" id="why"><p class="why">${esc(t.explanation)}</p>${t.remedy === '' ? '' : `<p><strong>What to do:</strong> ${esc(t.remedy)}</p>`}</section>
<section class="card"><dl class="fields">${fields.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl></section>
<section class="card"><h2>Related</h2><p><a href="${link(who)}">Everything from this ${r.user !== null ? 'user' : 'client'}</a> · <a href="${link({ host: r.host })}">Everything to this host</a> · <a href="${link({ reason: r.reason })}">Everything with this reason</a></p></section>`;
}
