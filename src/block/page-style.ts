// The block page's only stylesheet, inlined in a <style> element and allowed by its SHA-256 hash in
// the Content-Security-Policy (no 'unsafe-inline', no style attributes anywhere on the page).

import { createHash } from 'node:crypto';

export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f3f4f6; --card: #ffffff; --text: #111827; --muted: #4b5563; --border: #d1d5db;
  --accent: #1d4ed8; --accent-hover: #1e40af; --on-accent: #ffffff; --focus: #1d4ed8;
  --block: #b42318; --warn: #b45309; --code-bg: #f3f4f6;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0b1220; --card: #111827; --text: #f3f4f6; --muted: #cbd5e1; --border: #374151;
    --accent: #93c5fd; --accent-hover: #bfdbfe; --on-accent: #0b1220; --focus: #93c5fd;
    --block: #fca5a5; --warn: #fcd34d; --code-bg: #1f2937;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; min-height: 100vh; background: var(--bg); color: var(--text);
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  display: flex; flex-direction: column; align-items: center;
  padding: clamp(1rem, 5vw, 3.5rem) clamp(0.75rem, 4vw, 2rem);
}
main {
  width: 100%; max-width: 40rem; background: var(--card); border: 1px solid var(--border);
  border-top: 0.3rem solid var(--block); border-radius: 0.75rem;
  padding: clamp(1.25rem, 5vw, 2.5rem); box-shadow: 0 1px 3px rgb(0 0 0 / 0.06);
}
main.warn { border-top-color: var(--warn); }
.brand { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 0.75rem; margin: 0 0 1.25rem; }
.brand img { max-height: 2.5rem; max-width: 10rem; width: auto; height: auto; }
.eyebrow { margin: 0; color: var(--muted); font-size: 0.875rem; font-weight: 600; letter-spacing: 0.02em; }
.icon { flex: none; width: 1.75rem; height: 1.75rem; color: var(--block); }
main.warn .icon { color: var(--warn); }
h1 { font-size: clamp(1.4rem, 4.5vw, 1.85rem); line-height: 1.25; margin: 0 0 0.75rem; text-wrap: balance; }
h2 { font-size: 1.05rem; margin: 1.75rem 0 0.4rem; }
p { margin: 0 0 0.75rem; }
.site { color: var(--muted); }
.site strong { color: var(--text); overflow-wrap: anywhere; }
.address { overflow-wrap: anywhere; }
.lead { font-size: 1.0625rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 1rem 0 0; }
.actions form { margin: 0; }
.button {
  display: inline-block; padding: 0.7rem 1.15rem; border-radius: 0.5rem; border: 1px solid var(--accent);
  background: var(--accent); color: var(--on-accent); font: inherit; font-weight: 600;
  text-decoration: none; cursor: pointer; line-height: 1.3; text-align: center; overflow-wrap: anywhere;
}
.button:hover { background: var(--accent-hover); border-color: var(--accent-hover); }
.button.secondary { background: transparent; color: var(--text); border-color: var(--border); }
.button.secondary:hover { background: var(--code-bg); }
a { color: var(--accent); text-underline-offset: 0.15em; overflow-wrap: anywhere; }
a:focus-visible, button:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 3px; border-radius: 0.25rem;
}
code {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.9em; overflow-wrap: anywhere;
}
.decision-id {
  display: inline-block; max-width: 100%; padding: 0.4rem 0.6rem; border-radius: 0.375rem;
  background: var(--code-bg); border: 1px solid var(--border); font-size: 1rem;
  user-select: all; -webkit-user-select: all;
}
@media (max-width: 30rem) {
  .actions { flex-direction: column; }
  .actions .button { display: block; width: 100%; }
}
footer {
  width: 100%; max-width: 40rem; margin: 1rem 0 0; padding: 0 0.25rem;
  color: var(--muted); font-size: 0.8125rem;
}
footer p { margin: 0 0 0.35rem; }
`;

export const PAGE_CSS_HASH = `sha256-${createHash('sha256').update(PAGE_CSS, 'utf8').digest('base64')}`;
