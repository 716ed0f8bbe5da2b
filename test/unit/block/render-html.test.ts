import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_BLOCK_PAGE, type BlockPageConfig } from '../../../src/block/config.js';
import { REASON_HEADLINES } from '../../../src/block/headlines.js';
import { escapeHtml } from '../../../src/block/page.js';
import { renderBlock, sameOriginPath } from '../../../src/block/render.js';
import { REASON_CODES } from '../../../src/domain/reason.js';
import type { RuleId } from '../../../src/domain/facts.js';
import { blockInput, decision } from './fixtures.js';

/** Any Unicode text, control characters and line separators included. */
const anyText = fc.string({ unit: 'binary', maxLength: 64 });

const CONFIG: BlockPageConfig = {
  organization: 'Acme Corp',
  alternativeUrl: 'https://ai.acme.example/',
  alternativeLabel: 'Open Acme AI',
  contact: 'it-help@acme.example',
  logoDataUri: null,
};

const html = (overrides: Parameters<typeof blockInput>[0] = {}, config: BlockPageConfig = CONFIG) =>
  renderBlock(blockInput({ wantsHtml: true, ...overrides }), config);

const warn = (continueUrl?: string) =>
  html({
    decision: decision({ action: 'warn', reason: 'provider_not_zdr' }),
    host: 'www.perplexity.ai',
    path: '/',
    ...(continueUrl === undefined ? {} : { continueUrl }),
  });

describe('renderBlock for browsers', () => {
  it('answers a self-contained HTML page with a strict CSP', () => {
    const out = html();
    expect(out.status).toBe(403);
    expect(out.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(out.headers['x-zdr-egress-decision']).toBe('block');
    expect(out.headers['content-length']).toBe(String(Buffer.byteLength(out.body)));
    const csp = out.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('img-src data:');
    expect(csp).toContain("form-action 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // The style-src hash is the hash of the page's one <style> element.
    const style = /<style>([\s\S]*?)<\/style>/.exec(out.body)?.[1] ?? '';
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(out.body).not.toMatch(/<script|<link rel="stylesheet"|src="http|url\(/i);
    expect(out.body).not.toMatch(/ style="/);
  });

  it('shows the host, the explanation, the remedy, the decision id and the reason code', () => {
    const out = html();
    expect(out.body).toContain('<html lang="en">');
    expect(out.body).toContain('<meta name="viewport"');
    expect(out.body).toContain('<main');
    expect(out.body).toContain('<h1 id="headline">This AI feature keeps your data, so it is turned off</h1>');
    expect(out.body).toContain('<strong>api.openai.com</strong>');
    expect(out.body).toContain('The Files API keeps uploaded files until they are deleted.');
    expect(out.body).toContain('Send the content inline in /v1/responses instead.');
    expect(out.body).toContain('<code class="decision-id">dec_01HZYX</code>');
    expect(out.body).toContain('<code>data_retaining_endpoint</code>');
    expect(out.body).toContain('<a class="button" href="https://ai.acme.example/">Open Acme AI</a>');
    expect(out.body).toContain('<a href="mailto:it-help@acme.example">it-help@acme.example</a>');
  });

  it.each(REASON_CODES)('renders the headline for reason %s', (reason) => {
    const out = html({ decision: decision({ reason }) });
    expect(out.body).toContain(`<h1 id="headline">${escapeHtml(REASON_HEADLINES[reason])}</h1>`);
    expect(out.headers['x-zdr-egress-reason']).toBe(reason);
  });

  it('lets the configured headline replace the per-reason one', () => {
    const out = html({}, { ...CONFIG, headline: 'Stop & think' });
    expect(out.body).toContain('<h1 id="headline">Stop &amp; think</h1>');
  });

  it('escapes a hostile host, path, rule id and wording', () => {
    const out = html({
      host: 'evil.example"><script>alert(1)</script>',
      path: "/x'><img src=x onerror=alert(2)>",
      decision: decision({
        ruleId: '<b>rule</b>' as RuleId,
        explanation: '<iframe src="https://evil.example">',
        remedy: '`${alert(3)}`',
      }),
    });
    expect(out.body).not.toMatch(/<script|<img|<iframe|<b>/);
    expect(out.body).toContain('evil.example&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out.body).toContain('/x&#39;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(out.body).toContain('&#96;${alert(3)}&#96;');
  });

  it('escapes every configured text', () => {
    const out = html(
      {},
      {
        organization: '<Org>',
        alternativeUrl: 'https://ai.example/?a=1&b="2"',
        alternativeLabel: '<Label>',
        contact: '<Helpdesk> ext. 1',
        logoDataUri: null,
      },
    );
    expect(out.body).toContain('&lt;Org&gt; · AI data protection');
    expect(out.body).toContain('href="https://ai.example/?a=1&amp;b=&quot;2&quot;">&lt;Label&gt;</a>');
    expect(out.body).toContain('Contact &lt;Helpdesk&gt; ext. 1.');
  });

  it.each([
    [
      'https://help.acme.example/ai',
      '<a href="https://help.acme.example/ai">https://help.acme.example/ai</a>',
    ],
    ['mailto:ai@acme.example', '<a href="mailto:ai@acme.example">ai@acme.example</a>'],
    ['tel:+1 555 0100', '<a href="tel:+1 555 0100">+1 555 0100</a>'],
    ['javascript:alert(1)', 'Contact javascript:alert(1).'],
    [null, 'Contact your IT helpdesk.'],
  ])('renders the contact %s safely', (contact, expected) => {
    expect(html({}, { ...CONFIG, contact }).body).toContain(expected);
  });

  it('never renders a non-http alternative link, even from a hand-built config', () => {
    const out = html({}, { ...CONFIG, alternativeUrl: 'javascript:alert(1)' });
    expect(out.body).not.toContain('javascript:');
  });

  it('omits the alternative section when there is neither remedy nor link', () => {
    const out = html({ decision: decision({ remedy: '' }) }, DEFAULT_BLOCK_PAGE);
    expect(out.body).not.toContain('What you can do instead');
  });

  it('shows the logo from its data: URI with the organization as alt text', () => {
    const logo = 'data:image/png;base64,iVBORw0KGgo=';
    const out = html({}, { ...CONFIG, logoDataUri: logo });
    expect(out.body).toContain(`<img src="${logo}" alt="Acme Corp" height="40">`);
  });

  it('keeps every header value printable for hostile input', () => {
    fc.assert(
      fc.property(anyText, anyText, (host, path) => {
        const out = html({ host, path });
        for (const value of Object.values(out.headers)) expect(value).toMatch(/^[\x20-\x7e]+$/);
        expect(out.body).not.toContain('<script');
      }),
    );
  });
});

describe('warn (coach) page', () => {
  it('shows the risk and a Continue form posting to the same-origin continue URL', () => {
    const out = warn('/__zdr/continue?t=a&b=1');
    expect(out.status).toBe(403);
    expect(out.headers['x-zdr-egress-decision']).toBe('warn');
    expect(out.headers['content-security-policy']).toContain("form-action 'self'");
    expect(out.body).toContain('<h1 id="headline">Check before you share company data</h1>');
    expect(out.body).toContain('<form method="post" action="/__zdr/continue?t=a&amp;b=1">');
    expect(out.body).toContain('<input type="hidden" name="decision_id" value="dec_01HZYX">');
    expect(out.body).toContain('Continue to www.perplexity.ai</button>');
    expect(out.body).toContain('<a class="button" href="https://ai.acme.example/">Open Acme AI</a>');
    expect(out.body).toContain('Your choice to continue is recorded.');
  });

  it.each([
    undefined,
    'https://evil.example/continue',
    '//evil.example/x',
    '/\\evil.example',
    '/a\r\nb',
    'relative',
  ])('falls back to the block page when the continue URL is %j', (continueUrl) => {
    const out = warn(continueUrl);
    expect(out.headers['x-zdr-egress-decision']).toBe('block');
    expect(out.headers['content-security-policy']).toContain("form-action 'none'");
    expect(out.body).not.toContain('<form');
    expect(out.body).toContain(escapeHtml(REASON_HEADLINES.provider_not_zdr));
  });

  it.each([
    ['/__zdr/continue', '/__zdr/continue'],
    ['/c?x=1', '/c?x=1'],
    ['//evil', null],
    ['/ok path', null],
  ])('accepts only same-origin paths as continue targets (%s)', (url, expected) => {
    expect(sameOriginPath(url)).toBe(expected);
  });
});
