// The HTML block and warn ("coach") pages for browsers. Self-contained (one inline stylesheet, inline
// SVG, a data: logo), no script, readable on a phone, written for employees. Every interpolated value
// goes through escapeHtml: host and path are caller-controlled.

import type { ReasonCode } from '../domain/reason.js';
import { type BlockPageConfig, isEmailContact, isHttpUrl } from './config.js';
import { describeTarget, sentence } from './api-error.js';
import { PAGE_CSS, PAGE_CSS_HASH } from './page-style.js';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (ch) => ESCAPES[ch] ?? '');
}

export interface PageInput {
  readonly kind: 'block' | 'warn';
  readonly headline: string;
  readonly explanation: string;
  readonly remedy: string;
  readonly reason: ReasonCode;
  readonly ruleId: string;
  readonly decisionId: string;
  readonly host: string;
  readonly path: string;
  /** warn only: validated same-origin path the Continue form posts to. */
  readonly continueUrl: string | null;
}

/** CSP for the page: nothing loads, styles by hash, images only as data:, forms only to this origin. */
export function pageCsp(kind: 'block' | 'warn'): string {
  return [
    "default-src 'none'",
    `style-src '${PAGE_CSS_HASH}'`,
    'img-src data:',
    `form-action ${kind === 'warn' ? "'self'" : "'none'"}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function renderPage(page: PageInput, config: BlockPageConfig): string {
  const e = escapeHtml;
  const org = config.organization;
  const title = page.kind === 'warn' ? `Check first: ${page.host}` : `Blocked: ${page.host}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${e(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<main class="${page.kind}" aria-labelledby="headline">
<div class="brand">${brand(page.kind, config)}<p class="eyebrow">${hasLogo(config) ? '' : `${e(org)} · `}AI data protection</p></div>
<h1 id="headline">${e(page.headline)}</h1>
<p class="site">${page.kind === 'warn' ? 'You are about to use' : 'Blocked site:'} <strong>${e(page.host)}</strong></p>
${paragraph(page.explanation, 'lead')}
${page.kind === 'warn' ? warnSections(page, config) : insteadSection(page, config)}
<section aria-labelledby="help">
<h2 id="help">Need help?</h2>
<p>${contactSentence(config.contact)} Quote this decision ID so they can find what happened:</p>
<p><code class="decision-id">${e(page.decisionId)}</code></p>
</section>
</main>
<footer>
<p>${page.kind === 'warn' ? 'Nothing has been sent yet.' : 'Your request was not sent.'} zdr-egress records who reached which site and when, never what you type or upload.</p>
<p>Reason code <code>${e(page.reason)}</code> · rule <code>${e(page.ruleId)}</code> · address <span class="address">${e(describeTarget(page.host, page.path))}</span></p>
</footer>
</body>
</html>
`;
}

function insteadSection(page: PageInput, config: BlockPageConfig): string {
  const link = alternativeLink(config, 'button');
  const remedy = sentence(page.remedy);
  if (remedy === '' && link === '') return '';
  return `<section aria-labelledby="instead">
<h2 id="instead">What you can do instead</h2>
${paragraph(page.remedy)}
${link === '' ? '' : `<div class="actions">${link}</div>`}
</section>`;
}

function warnSections(page: PageInput, config: BlockPageConfig): string {
  const e = escapeHtml;
  const link = alternativeLink(config, 'button');
  const form =
    page.continueUrl === null
      ? ''
      : `<form method="post" action="${e(page.continueUrl)}">
<input type="hidden" name="decision_id" value="${e(page.decisionId)}">
<button type="submit" class="button${link === '' ? '' : ' secondary'}">Continue to ${e(page.host)}</button>
</form>`;
  return `<section aria-labelledby="choice">
<h2 id="choice">Before you continue</h2>
${paragraph(page.remedy)}
<p>If you continue, do not paste or upload company, customer or personal data. Your choice to continue is recorded.</p>
<div class="actions">${link}${form}</div>
</section>`;
}

function paragraph(text: string, cls?: string): string {
  const line = sentence(text);
  if (line === '') return '';
  return `<p${cls === undefined ? '' : ` class="${cls}"`}>${escapeHtml(line)}</p>`;
}

function alternativeLink(config: BlockPageConfig, cls: string): string {
  // Config is validated when parsed; re-check so a hand-built config can never yield a javascript: link.
  if (config.alternativeUrl === null || !isHttpUrl(config.alternativeUrl)) return '';
  return `<a class="${cls}" href="${escapeHtml(config.alternativeUrl)}">${escapeHtml(config.alternativeLabel)}</a>`;
}

function contactSentence(contact: string | null): string {
  if (contact === null) return 'Contact your IT helpdesk.';
  const e = escapeHtml;
  if (isEmailContact(contact) && !/^mailto:/i.test(contact)) {
    return `Contact <a href="mailto:${e(contact)}">${e(contact)}</a>.`;
  }
  if (
    /^mailto:[^\s]+@[^\s]+$/i.test(contact) ||
    /^tel:\+?[0-9().\- ]+$/i.test(contact) ||
    isHttpUrl(contact)
  ) {
    const label = contact.replace(/^(mailto|tel):/i, '');
    return `Contact <a href="${e(contact)}">${e(label)}</a>.`;
  }
  return `Contact ${e(contact)}.`;
}

function hasLogo(config: BlockPageConfig): boolean {
  return config.logoDataUri !== null && config.logoDataUri.startsWith('data:image/');
}

/** The logo (its alt text names the organization) or, without one, a small decorative mark. */
function brand(kind: 'block' | 'warn', config: BlockPageConfig): string {
  if (hasLogo(config) && config.logoDataUri !== null) {
    return `<img src="${escapeHtml(config.logoDataUri)}" alt="${escapeHtml(config.organization)}" height="40">`;
  }
  // A shield with a bar (block) or an exclamation mark (warn); decorative, so hidden from screen readers.
  const mark =
    kind === 'warn'
      ? '<path d="M12 8v5M12 16.5v.5" stroke-linecap="round"/>'
      : '<path d="M9 12h6" stroke-linecap="round"/>';
  return `<svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true" focusable="false"><path d="M12 3l7 3v5.5c0 4.3-3 8-7 9.5-4-1.5-7-5.2-7-9.5V6l7-3z" stroke-linejoin="round"/>${mark}</svg>`;
}
