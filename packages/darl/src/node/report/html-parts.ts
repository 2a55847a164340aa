// Small pieces of HTML the report's sections share: headline numbers, chart figures, sections, inlined images, and
// JSON values as one line of text.
import type { ReportChart } from './charts.js';
import { escapeHtml as h } from './escape.js';
import { formatNumber } from './format.js';
import type { RunImage } from './read-run.js';

export type Json = Record<string, unknown>;
export const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
export const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
export const field = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), o);

/** A JSON value as one short line of text (`{"kind":"idx","dir":"..."}` → `kind=idx, dir=...`). */
export function describe(x: unknown): string {
  if (x === undefined || x === null) return '—';
  if (typeof x === 'string') return x;
  if (typeof x === 'number') return formatNumber(x, 6);
  if (typeof x === 'boolean') return String(x);
  if (isObject(x)) return Object.entries(x).map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`).join(', ');
  return JSON.stringify(x);
}

export function stat(label: string, value: string, sub?: string): string {
  return `<div class="stat"><div class="stat-label">${h(label)}</div><div class="stat-value">${h(value)}</div>${sub ? `<div class="stat-sub">${h(sub)}</div>` : ''}</div>`;
}

export function chartFigure(chart: ReportChart | undefined, cls = ''): string {
  if (!chart) return '';
  const y = (chart.config.options?.scales as Record<string, { type?: string }> | undefined)?.y;
  const toggle = chart.logToggle
    ? `<label class="toggle"><input type="checkbox" data-log-toggle="${h(chart.id)}"${y?.type === 'logarithmic' ? ' checked' : ''}> log scale</label>`
    : '';
  return `<figure class="chart ${cls}">
<div class="chart-head"><h3>${h(chart.title)}</h3>${toggle}</div>
${chart.caption ? `<figcaption>${h(chart.caption)}</figcaption>` : ''}
<div class="canvas-box"><canvas id="chart-${h(chart.id)}" role="img" aria-label="${h(chart.title)}"></canvas></div>
</figure>`;
}

export function section(id: string, title: string, body: string): string {
  return body.trim() === '' ? '' : `<section id="${id}"><h2>${h(title)}</h2>\n${body}\n</section>`;
}

export function image(img: RunImage, targetWidth: number): string {
  // Integer upscaling keeps small digit grids crisp (with image-rendering: pixelated).
  const scale = img.width >= targetWidth ? targetWidth / img.width : Math.max(1, Math.round(targetWidth / img.width));
  const w = Math.round(img.width * scale);
  const hgt = Math.round(img.height * scale);
  return `<img src="${img.dataUri}" width="${w}" height="${hgt}" alt="${h(img.file)}" title="${h(img.file)} (${img.width}\u00d7${img.height})">`;
}

export function imageStrip(images: readonly RunImage[], kind: RunImage['kind']): string {
  const list = images.filter((i) => i.kind === kind);
  if (list.length === 0) return '';
  const title = kind === 'grid' ? 'Sample grids over training' : 'Prefix completions over training (top half given, rest generated)';
  const figures = list.map((img) => `<figure class="sample">${image(img, 224)}<figcaption>step ${img.step}</figcaption></figure>`).join('\n');
  return `<h3>${h(title)}</h3>\n<div class="strip">${figures}</div>`;
}

/** `testAccuracy` → `test accuracy`. */
export function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}
