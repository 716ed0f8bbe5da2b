// Headless Chromium for e2e tests: Debian's `chromium` package driven by playwright-core (no browser
// download). Quiet flags keep it from phoning home, so "no request to any other origin" is testable.

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['ZDR_EGRESS_CHROMIUM'] ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-gpu',
  '--disable-default-apps',
  '--disable-sync',
  '--metrics-recording-only',
  '--no-first-run',
  '--no-default-browser-check',
];

/**
 * Hosts Debian's Chromium 156 still calls on its own despite the flags above (component and extension
 * updates, network time, account checks), measured through a logging proxy. Sent through a test proxy
 * they would show up as extra CONNECTs and decisions, so they bypass the proxy and resolve to nothing:
 * they never leave the machine.
 */
export const CHROMIUM_BACKGROUND_HOSTS = [
  'update.googleapis.com',
  'clients2.google.com',
  'accounts.google.com',
];

/**
 * Launches headless Chromium with the quiet flags plus `extraArgs` (e.g. `--proxy-server=...`,
 * `--ignore-certificate-errors-spki-list=<hash>`). A `--host-resolver-rules` or `--proxy-bypass-list`
 * in `extraArgs` is merged with ours (Chromium keeps only the last of each). Throws with the install
 * hint when Chromium is missing.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run 'apt-get install -y chromium' or set ZDR_EGRESS_CHROMIUM`,
    );
  }
  const resolverRules = CHROMIUM_BACKGROUND_HOSTS.map((host) => `MAP ${host} ~NOTFOUND`);
  const bypass = [...CHROMIUM_BACKGROUND_HOSTS];
  const rest: string[] = [];
  for (const arg of extraArgs) {
    if (arg.startsWith('--host-resolver-rules='))
      resolverRules.unshift(arg.slice('--host-resolver-rules='.length));
    else if (arg.startsWith('--proxy-bypass-list=')) bypass.unshift(arg.slice('--proxy-bypass-list='.length));
    else rest.push(arg);
  }
  const args = [
    ...BASE_ARGS,
    ...rest,
    `--host-resolver-rules=${resolverRules.join(', ')}`,
    `--proxy-bypass-list=${bypass.join(';')}`,
  ];
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}

/** test-artifacts/ at the repository root (gitignored); created on first use. */
export function artifactPath(name: string): string {
  const dir = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** Every URL the page requests (main frame and subresources), for "nothing left this origin" checks. */
export function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  return urls;
}

// Page-side checks are plain JavaScript strings: the project compiles without the DOM lib.

/** Pixels the document is wider than the viewport (> 0 means sideways scrolling). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
}

/** A computed style property of the first element matching `selector`. */
export async function computedStyle(page: Page, selector: string, property: string): Promise<string> {
  const script = `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).getPropertyValue(${JSON.stringify(property)})`;
  return String(await page.evaluate(script));
}

/** Text and outline width of the focused element. */
export async function focusedElement(page: Page): Promise<{ text: string; outlineWidth: string }> {
  return (await page.evaluate(`(() => {
    const el = document.activeElement;
    return { text: (el && el.textContent) || '', outlineWidth: el ? getComputedStyle(el).outlineWidth : '0px' };
  })()`)) as { text: string; outlineWidth: string };
}

/**
 * Worst WCAG 2 contrast ratio over the page's text elements, each against its nearest opaque
 * background (good enough for pages without background images or translucent layers).
 */
export async function worstContrast(page: Page): Promise<{ ratio: number; where: string }> {
  return (await page.evaluate(`(() => {
    const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r = 0, g = 0, b = 0]) => {
      const ch = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const background = (el) => {
      for (let node = el; node; node = node.parentElement) {
        const parts = rgb(getComputedStyle(node).backgroundColor);
        if (parts.length === 3 || (parts.length === 4 && parts[3] !== 0)) return parts;
      }
      return [255, 255, 255];
    };
    let worst = { ratio: 21, where: '' };
    for (const el of document.querySelectorAll('h1, h2, p, a, code, strong, span, button')) {
      if (!el.textContent || !el.textContent.trim()) continue;
      const a = lum(rgb(getComputedStyle(el).color));
      const b = lum(background(el));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < worst.ratio) worst = { ratio, where: el.tagName + '.' + el.className };
    }
    return worst;
  })()`)) as { ratio: number; where: string };
}
