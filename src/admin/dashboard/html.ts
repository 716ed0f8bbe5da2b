// HTML building blocks of the report pages. Every piece of data goes through esc(): hosts, paths,
// users and ids are attacker-controlled. The pages carry no script at all, and the Content-Security-
// Policy forbids scripts, so even a missed escape could not run one.

import { randomBytes } from 'node:crypto';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text and attribute values alike (attributes are always double-quoted). */
export function esc(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  return String(v).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export const num = (n: number): string => n.toLocaleString('en-US');
export const isoMinute = (ts: number): string => new Date(ts).toISOString().slice(0, 16).replace('T', ' ');
export const isoSecond = (ts: number): string => new Date(ts).toISOString().slice(0, 19).replace('T', ' ');

export interface PageParts {
  readonly title: string;
  readonly body: string;
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
}

export function page(p: PageParts, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(p.title)} · zdr-egress</title>
<style nonce="${esc(nonce)}">${CSS}</style>
</head>
<body>
<header class="top"><a class="brand" href="/reports">zdr-egress</a><span class="sub">AI egress decisions</span></header>
<main>
${p.body}
</main>
<footer>Times are UTC. zdr-egress records decision metadata only: no prompt, response, header value, query string or credential.</footer>
</body>
</html>
`;
}

const CSS = `
:root{--ink:#1b2430;--muted:#5b6675;--line:#e3e7ed;--bg:#f4f6f9;--card:#fff;--block:#c62828;--warn:#b45309;--report:#3d63c9;--allow:#2e7d32;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.top{display:flex;align-items:baseline;gap:12px;padding:12px 24px;background:#101a27;color:#fff}
.brand{color:#fff;font-weight:700;font-size:17px}.sub{color:#aab6c5}
main{max-width:1280px;margin:0 auto;padding:20px 24px}
footer{max-width:1280px;margin:0 auto;padding:8px 24px 32px;color:var(--muted);font-size:12px}
h1{font-size:20px;margin:0}h2{font-size:15px;margin:0 0 10px}
.bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:12px;margin-bottom:16px}
.ranges{display:flex;gap:4px;flex-wrap:wrap}
.ranges a{padding:5px 11px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--ink)}
.ranges a.on{background:var(--ink);color:#fff;border-color:var(--ink)}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;margin-bottom:16px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.kpi .v{font-size:24px;font-weight:700}.kpi .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.kpi.block .v{color:var(--block)}.kpi.warn .v{color:var(--warn)}.kpi.report .v{color:var(--report)}.kpi.allow .v{color:var(--allow)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px}
.grid .card{margin-bottom:0}
table{border-collapse:collapse;width:100%}
th{text-align:left;color:var(--muted);font-weight:600;font-size:12px;border-bottom:1px solid var(--line);padding:6px 8px}
td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.k{overflow-wrap:anywhere}
table.bd{table-layout:fixed}table.bd col.bar{width:172px}table.bd col.n{width:96px}
.code{display:block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11.5px;color:var(--muted)}
td.req{max-width:460px;overflow-wrap:anywhere;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
td.t{white-space:nowrap;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.badge.block{background:var(--block)}.badge.warn{background:var(--warn)}.badge.report{background:var(--report)}.badge.allow{background:var(--allow)}
.chart svg{width:100%;height:auto;display:block}
.legend{display:flex;gap:14px;color:var(--muted);font-size:12px;margin-top:6px}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.sw.block{background:var(--block)}.sw.warn{background:var(--warn)}.sw.report{background:var(--report)}.sw.allow{background:#cfd8e3}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:3px}
form.filters input,form.filters select{font:inherit;padding:5px 7px;border:1px solid #c9d1db;border-radius:6px;min-width:120px;background:#fff}
button{font:inherit;padding:6px 14px;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
.chips{display:flex;gap:6px;flex-wrap:wrap;margin:10px 0 0}
.chip{background:#e8eef7;border-radius:12px;padding:2px 10px;font-size:12px}
.pager{display:flex;justify-content:space-between;align-items:center;margin-top:10px;color:var(--muted)}
.pager .links{display:flex;gap:12px}
.muted{color:var(--muted)}
.empty{color:var(--muted);padding:8px 0}
.notice{background:#fff8e1;border:1px solid #f3d27a;border-radius:8px;padding:10px 14px;margin-bottom:16px}
dl.fields{display:grid;grid-template-columns:160px 1fr;gap:6px 16px;margin:0}
dl.fields dt{color:var(--muted)}dl.fields dd{margin:0;overflow-wrap:anywhere}
.why{font-size:15px;margin:0 0 8px}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
`;
