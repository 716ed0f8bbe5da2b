import { describe, expect, it } from 'vitest';
import { DEFAULT_BLOCK_PAGE, parseBlockPageConfig } from '../../../src/block/config.js';

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function errorsOf(raw: unknown): string[] {
  const result = parseBlockPageConfig(raw);
  return result.ok ? [] : result.errors;
}

describe('parseBlockPageConfig', () => {
  it.each([undefined, null, {}])('returns the defaults for an absent or empty section (%s)', (raw) => {
    expect(parseBlockPageConfig(raw)).toEqual({ ok: true, config: DEFAULT_BLOCK_PAGE });
  });

  it('maps every snake_case key to the camelCase config and freezes it', () => {
    const result = parseBlockPageConfig({
      organization: 'Acme Corp',
      alternative_url: 'https://ai.acme.example/chat',
      alternative_label: 'Open Acme AI',
      contact: 'it-help@acme.example',
      logo_data_uri: PNG,
      headline: 'Stop: this AI tool is not approved at Acme',
    });
    expect(result).toEqual({
      ok: true,
      config: {
        organization: 'Acme Corp',
        alternativeUrl: 'https://ai.acme.example/chat',
        alternativeLabel: 'Open Acme AI',
        contact: 'it-help@acme.example',
        logoDataUri: PNG,
        headline: 'Stop: this AI tool is not approved at Acme',
      },
    });
    expect(result.ok && Object.isFrozen(result.config)).toBe(true);
  });

  it('accepts null for the optional links', () => {
    const result = parseBlockPageConfig({ alternative_url: null, contact: null, logo_data_uri: null });
    expect(result).toEqual({ ok: true, config: DEFAULT_BLOCK_PAGE });
  });

  it('accepts plain-text contacts, including ones with a colon', () => {
    const result = parseBlockPageConfig({ contact: 'Helpdesk: ext. 4242' });
    expect(result.ok && result.config.contact).toBe('Helpdesk: ext. 4242');
  });

  it('names an unknown key and lists the known ones', () => {
    expect(errorsOf({ organisation: 'Acme' })).toEqual([
      'organisation: unknown key (known keys: organization, alternative_url, alternative_label, contact, logo_data_uri, headline)',
    ]);
  });

  it('names a camelCase key as unknown (YAML keys are snake_case)', () => {
    expect(errorsOf({ alternativeUrl: 'https://x.example' })[0]).toMatch(/^alternativeUrl: unknown key/);
  });

  it.each([
    ['https://cdn.example/logo.png', 'logo_data_uri: must be a data: URI'],
    ['data:text/html;base64,PHNjcmlwdD4=', 'logo_data_uri: must be data:image/'],
    ['data:image/png,not-base64', 'logo_data_uri: must be data:image/'],
    ['data:image/svg+xml;base64,PHN2Zz4=" onerror="x', 'logo_data_uri: must be data:image/'],
  ])('rejects the logo %s', (logo, message) => {
    const errors = errorsOf({ logo_data_uri: logo });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it('rejects a logo above the size cap', () => {
    const huge = `data:image/png;base64,${'A'.repeat(300 * 1024)}`;
    expect(errorsOf({ logo_data_uri: huge })[0]).toMatch(/^logo_data_uri: must be at most/);
  });

  it.each(['javascript:alert(1)', 'ftp://files.example/', 'not a url', 'https://user:pw@ai.example/'])(
    'rejects the alternative_url %s',
    (url) => {
      expect(errorsOf({ alternative_url: url })).toEqual([
        'alternative_url: must be an http:// or https:// URL without credentials',
      ]);
    },
  );

  it.each([
    [{ organization: 42 }, /^organization: Invalid input: expected string/],
    [{ organization: '' }, /^organization: must not be empty/],
    [{ organization: 'Acme\r\nX-Evil: 1' }, /^organization: must not contain control characters/],
    [{ headline: 'x'.repeat(200) }, /^headline: must be at most 160 characters/],
    [{ alternative_label: ['a'] }, /^alternative_label: Invalid input/],
  ])('names the key of a bad value (%j)', (raw, pattern) => {
    const errors = errorsOf(raw);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(pattern);
  });

  it('reports every bad key at once', () => {
    expect(errorsOf({ organization: 1, contact: 2, extra: true })).toHaveLength(3);
  });

  it.each(['a string', 42, ['organization']])('rejects a section that is not a mapping (%j)', (raw) => {
    expect(errorsOf(raw)[0]).toMatch(/^block_page must be a mapping/);
  });
});
