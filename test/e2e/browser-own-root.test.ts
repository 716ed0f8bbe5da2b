// Chromium trusting the proxy's own self-made root by its key hash, as issue 4 describes:
// --ignore-certificate-errors-spki-list=<CA SPKI>. Works because the proxy sends its root after
// the leaf, so the pinned key is in the chain Chromium is shown.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { artifactPath, launchChromium } from '../helpers/browser.js';
import { startTestEgress, type TestEgress } from '../helpers/egress.js';

let zdr: TestEgress;
let browser: Browser;

beforeAll(async () => {
  zdr = await startTestEgress({});
  browser = await launchChromium([
    `--proxy-server=${zdr.proxyUrl}`,
    `--ignore-certificate-errors-spki-list=${zdr.egress.caSpki}`,
  ]);
});

afterAll(async () => {
  await browser?.close();
  await zdr?.stop();
});

it('shows the block page for claude.ai under the default self-made CA', async () => {
  const page = await browser.newPage();
  try {
    const res = await page.goto('https://claude.ai/', { waitUntil: 'load' });
    expect(res?.status()).toBe(403);
    expect(res?.headers()['x-zdr-egress-reason']).toBe('consumer_surface');
    expect(await page.locator('body').innerText()).toContain('claude.ai');
    await page.screenshot({ path: artifactPath('own-root-claude.png'), fullPage: true });
  } finally {
    await page.close();
  }
});
