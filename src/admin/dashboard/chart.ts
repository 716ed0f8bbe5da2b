// "Blocks over time" as an inline SVG: stacked bars of block, warn and report per bucket, with a
// native tooltip (<title>) per bucket. Presentation attributes only (no style attributes), so the
// strict Content-Security-Policy holds; data-* attributes let tests read the plotted counts.

import type { TimelinePoint } from '../../decision-log/queries.js';
import { esc, isoMinute, num } from './html.js';

const W = 1200;
const H = 240;
const LEFT = 52;
const RIGHT = 12;
const TOP = 12;
const BOTTOM = 28;
const COLORS = { block: '#c62828', warn: '#b45309', report: '#3d63c9' } as const;
const STACK = ['block', 'warn', 'report'] as const;

export function timelineChart(points: readonly TimelinePoint[], bucket: 'hour' | 'day'): string {
  if (points.length === 0) return '<p class="empty">No decisions in this range.</p>';
  const flagged = (p: TimelinePoint): number => p.byAction.block + p.byAction.warn + p.byAction.report;
  const max = niceCeil(Math.max(...points.map(flagged)));
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const slot = plotW / points.length;
  const barW = Math.max(1, slot * 0.78);
  const y = (v: number): number => TOP + plotH - (v / max) * plotH;

  const grid: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    const gy = y(v).toFixed(1);
    grid.push(
      `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${gy}" y2="${gy}" stroke="#e3e7ed"/>` +
        `<text x="${LEFT - 8}" y="${gy}" dy="4" text-anchor="end" font-size="11" fill="#5b6675">${esc(num(Math.round(v)))}</text>`,
    );
  }

  const bars = points.map((p, i) => {
    const x = LEFT + i * slot + (slot - barW) / 2;
    let base = 0;
    const rects = STACK.map((a) => {
      const v = p.byAction[a];
      if (v === 0) return '';
      const top = y(base + v);
      const h = y(base) - top;
      base += v;
      return `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(h, 0.5).toFixed(1)}" fill="${COLORS[a]}"/>`;
    }).join('');
    const when = bucket === 'hour' ? `${isoMinute(p.t)} UTC` : `${isoMinute(p.t).slice(0, 10)} (UTC day)`;
    const tip = `${when}: ${num(p.byAction.block)} blocked, ${num(p.byAction.warn)} warned, ${num(p.byAction.report)} report-only, ${num(p.byAction.allow)} allowed`;
    // A full-height transparent rect makes the whole column hoverable for the tooltip.
    return (
      `<g class="bucket" data-t="${p.t}" data-block="${p.byAction.block}" data-warn="${p.byAction.warn}" data-report="${p.byAction.report}" data-allow="${p.byAction.allow}">` +
      `<title>${esc(tip)}</title><rect x="${(LEFT + i * slot).toFixed(1)}" y="${TOP}" width="${slot.toFixed(1)}" height="${plotH}" fill="transparent"/>${rects}</g>`
    );
  });

  const labels: string[] = [];
  const every = Math.max(1, Math.ceil(points.length / 10));
  points.forEach((p, i) => {
    if (i % every !== 0) return;
    const x = LEFT + i * slot + slot / 2;
    labels.push(
      `<text x="${x.toFixed(1)}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#5b6675">${esc(label(p.t, bucket, i === 0))}</text>`,
    );
  });

  const total = points.reduce((s, p) => s + flagged(p), 0);
  return (
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${num(total)} blocked, warned or report-only decisions over ${points.length} ${bucket}s`)}" xmlns="http://www.w3.org/2000/svg">` +
    grid.join('') +
    bars.join('') +
    `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${TOP + plotH}" y2="${TOP + plotH}" stroke="#9aa5b4"/>` +
    labels.join('') +
    '</svg>'
  );
}

function label(t: number, bucket: 'hour' | 'day', first: boolean): string {
  const iso = new Date(t).toISOString();
  if (bucket === 'day') return iso.slice(5, 10);
  const hour = iso.slice(11, 16);
  return first || hour === '00:00' ? `${iso.slice(5, 10)} ${hour}` : hour;
}

/** 1, 2, 4 or 8 × 10^n at or above v (at least 4): the four grid steps stay whole numbers. */
function niceCeil(v: number): number {
  if (v <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 4, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
