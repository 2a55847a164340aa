// Renders `RunData` into one self-contained HTML page: styles, Chart.js, chart data and images are all inline,
// so the file opens anywhere without network. Sections whose data is absent are left out.
import { buildCharts, type ReportChart, type ReportCharts } from './charts.js';
import { loadChartLibrary } from './chart-library.js';
import { escapeHtml as h, jsonForScript, scriptSafe } from './escape.js';
import { formatDuration, formatNumber, formatPercent } from './format.js';
import type { FinetuneComparisonRow, GenerationQualityRow, MetricRow, ProbeReport, ReferenceRun, RunData, RunImage } from './read-run.js';

/** Options of `renderReport`. */
export interface RenderReportOptions {
  /** Source of Chart.js's browser bundle to inline; read from the installed `chart.js` package by default. */
  readonly chartLibrary?: string;
  /** One paragraph shown under the headline numbers, e.g. a recipe's advice on what to run when this run is too short. */
  readonly note?: string;
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const field = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), o);

/** A JSON value as one short line of text (`{"kind":"idx","dir":"..."}` → `kind=idx, dir=...`). */
function describe(x: unknown): string {
  if (x === undefined || x === null) return '—';
  if (typeof x === 'string') return x;
  if (typeof x === 'number') return formatNumber(x, 6);
  if (typeof x === 'boolean') return String(x);
  if (isObject(x)) return Object.entries(x).map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`).join(', ');
  return JSON.stringify(x);
}

/** Linear interpolation of the reference loss at `step`; the last point when `step` is past its end. */
export function referenceLossAt(ref: ReferenceRun, step: number): { step: number; loss: number } | undefined {
  const pts = ref.loss;
  if (pts.length === 0) return undefined;
  const last = pts[pts.length - 1]!;
  if (step >= last[0]) return { step: last[0], loss: last[1] };
  if (step <= pts[0]![0]) return { step: pts[0]![0], loss: pts[0]![1] };
  const i = pts.findIndex((p) => p[0] >= step);
  const [x0, y0] = pts[i - 1]!;
  const [x1, y1] = pts[i]!;
  return { step, loss: y0 + ((y1 - y0) * (step - x0)) / (x1 - x0) };
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1]! + s[m]!) / 2;
}

function stat(label: string, value: string, sub?: string): string {
  return `<div class="stat"><div class="stat-label">${h(label)}</div><div class="stat-value">${h(value)}</div>${sub ? `<div class="stat-sub">${h(sub)}</div>` : ''}</div>`;
}

function lastLoss(metrics: readonly MetricRow[]): MetricRow | undefined {
  for (let i = metrics.length - 1; i >= 0; i--) if (metrics[i]!.loss !== undefined) return metrics[i];
  return undefined;
}

function modelSummary(config: Json | undefined): string | undefined {
  const model = field(config, 'model');
  if (!isObject(model)) return undefined;
  const parts: string[] = [];
  const img = model.image;
  if (isObject(img) && num(img.height) && num(img.width)) parts.push(`${img.height}\u00d7${img.width}\u00d7${num(img.channels) ?? '?'}`);
  if (num(model.patchSize)) parts.push(`patch ${model.patchSize}`);
  const bb = model.backbone;
  if (isObject(bb)) {
    const shape = [num(bb.width) && `width ${bb.width}`, num(bb.depth) && `depth ${bb.depth}`, num(bb.heads) && `${bb.heads} heads`].filter(Boolean);
    if (shape.length) parts.push(shape.join(', '));
    else if (typeof bb.preset === 'string') parts.push(bb.preset);
  } else if (typeof bb === 'string') parts.push(bb);
  if (typeof model.position === 'string') parts.push(`${model.position} positions`);
  return parts.length ? parts.join(' \u00b7 ') : undefined;
}

function datasetName(run: RunData): string | undefined {
  if (run.probe?.dataset) return run.probe.dataset;
  const data = field(run.config, 'train', 'data');
  if (data === undefined) return undefined;
  if (isObject(data) && typeof (data.name ?? data.kind) === 'string') return String(data.name ?? data.kind);
  return describe(data);
}

/**
 * One sentence when the best learned probe cell does not beat a baseline measured under the same protocol (raw
 * pixels, the same network at random init), so that a report never leaves a losing result unremarked; undefined
 * when it beats both or the probe has neither baseline.
 */
export function probeVerdict(probe: ProbeReport | undefined): string | undefined {
  const best = probe?.best?.testAccuracy;
  if (best === undefined) return undefined;
  const baselines: [string, number | undefined][] = [
    ['raw pixels', probe?.rawPixels?.testAccuracy],
    ['the same network at random init', probe?.randomInit?.testAccuracy],
  ];
  const lost = baselines.filter((b): b is [string, number] => b[1] !== undefined && best <= b[1]);
  if (lost.length === 0) return undefined;
  return (
    `Under this probe protocol the best learned cell (${formatPercent(best)}) does not beat ` +
    `${lost.map(([name, acc]) => `${name} (${formatPercent(acc)})`).join(' or ')}.`
  );
}

function header(run: RunData, charts: ReportCharts, note: string | undefined): string {
  const objective = field(run.config, 'model', 'objective');
  const subtitle = [datasetName(run), typeof objective === 'string' ? `${objective} objective` : undefined, modelSummary(run.config)].filter(Boolean) as string[];
  const stats: string[] = [];
  const lastStep = run.metrics.at(-1)?.step ?? num(field(run.state, 'step'));
  const totalSteps = num(field(run.config, 'train', 'steps'));
  if (lastStep !== undefined) stats.push(stat('steps', String(lastStep), totalSteps !== undefined && totalSteps !== lastStep ? `of ${totalSteps} configured` : undefined));
  const wall = num(field(run.state, 'wallSeconds')) ?? run.metrics.at(-1)?.elapsed;
  if (wall !== undefined) stats.push(stat('wall time', formatDuration(wall)));
  const final = lastLoss(run.metrics);
  if (final) {
    const ref = run.reference && referenceLossAt(run.reference, final.step);
    const sub = ref ? `reference ${formatNumber(ref.loss)} at step ${ref.step}` : `at step ${final.step}`;
    stats.push(stat('final loss', formatNumber(final.loss), sub));
  }
  const ips = median(run.metrics.flatMap((m) => (m.imagesPerSec === undefined ? [] : [m.imagesPerSec])));
  if (ips !== undefined) stats.push(stat('images / s', formatNumber(ips, 3), 'median'));
  const best = run.probe?.best;
  const raw = run.probe?.rawPixels?.testAccuracy;
  if (best?.testAccuracy !== undefined || raw !== undefined) {
    const refProbe = run.reference?.probe?.testAccuracy;
    const control = run.probe?.randomInit?.testAccuracy;
    const sub = [raw !== undefined ? `raw pixels ${formatPercent(raw)}` : undefined, control !== undefined ? `random init ${formatPercent(control)}` : undefined, refProbe !== undefined ? `reference ${formatPercent(refProbe)}` : undefined].filter(Boolean).join(' \u00b7 ');
    stats.push(stat('linear probe (best)', formatPercent(best?.testAccuracy), sub || undefined));
  }
  if (run.probe?.knn?.testAccuracy !== undefined) stats.push(stat(`kNN (k=${run.probe.knn.k ?? '?'})`, formatPercent(run.probe.knn.testAccuracy)));
  const latest = [...run.images].reverse().find((i) => i.kind === 'grid');
  const thumb = latest ? `<figure class="hero">${image(latest, 200)}<figcaption>samples, step ${latest.step}</figcaption></figure>` : '';
  const nav = [
    ['training', charts.loss || charts.lr || charts.gradNorm || charts.throughput],
    ['struggles', charts.lossByNoise || charts.lossByRow],
    ['representation', run.probe || run.finetune],
    ['samples', run.images.length > 0 || (run.generation?.length ?? 0) > 0],
    ['evaluations', run.events.some((e) => e.event === 'eval')],
    ['setup', run.config || run.state],
  ]
    .filter(([, present]) => present)
    .map(([id]) => `<a href="#${id}">${id}</a>`)
    .join('');
  const verdict = [probeVerdict(run.probe), note].filter((line): line is string => Boolean(line));
  return `<header>
<div class="header-text">
<h1>${h(run.name)}</h1>
${subtitle.length ? `<p class="subtitle">${h(subtitle.join(' \u00b7 '))}</p>` : ''}
<div class="stats">${stats.join('')}</div>
${verdict.length ? `<p class="verdict">${h(verdict.join(' '))}</p>` : ''}
${run.reference?.notes ? `<p class="note">Reference run <b>${h(run.reference.name)}</b>: ${h(run.reference.notes)}</p>` : ''}
<nav>${nav}</nav>
</div>
${thumb}
</header>`;
}

function chartFigure(chart: ReportChart | undefined, cls = ''): string {
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

function section(id: string, title: string, body: string): string {
  return body.trim() === '' ? '' : `<section id="${id}"><h2>${h(title)}</h2>\n${body}\n</section>`;
}

function image(img: RunImage, targetWidth: number): string {
  // Integer upscaling keeps small digit grids crisp (with image-rendering: pixelated).
  const scale = img.width >= targetWidth ? targetWidth / img.width : Math.max(1, Math.round(targetWidth / img.width));
  const w = Math.round(img.width * scale);
  const hgt = Math.round(img.height * scale);
  return `<img src="${img.dataUri}" width="${w}" height="${hgt}" alt="${h(img.file)}" title="${h(img.file)} (${img.width}\u00d7${img.height})">`;
}

function imageStrip(images: readonly RunImage[], kind: RunImage['kind']): string {
  const list = images.filter((i) => i.kind === kind);
  if (list.length === 0) return '';
  const title = kind === 'grid' ? 'Sample grids over training' : 'Prefix completions over training (top half given, rest generated)';
  const figures = list.map((img) => `<figure class="sample">${image(img, 224)}<figcaption>step ${img.step}</figcaption></figure>`).join('\n');
  return `<h3>${h(title)}</h3>\n<div class="strip">${figures}</div>`;
}

/** `testAccuracy` → `test accuracy`. */
function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** The probe sweep as a layer × (pooling · attention) table of test accuracy (validation in brackets). */
function probeTable(run: RunData): string {
  const probe = run.probe;
  if (!probe) return '';
  const best = probe.best;
  const combos = [...new Set(probe.sweep.map((c) => `${c.pooling}\u0000${c.attention}`))].map((k) => k.split('\u0000') as [string, string]);
  const layers = [...new Set(probe.sweep.map((c) => c.layer))].sort((a, b) => a - b);
  const cellText = (test: number | undefined, val: number | undefined, control?: number) =>
    `${formatPercent(test)}${val !== undefined ? ` <span class="muted">(${formatPercent(val)})</span>` : ''}` +
    (control !== undefined ? `<br><span class="muted">random init ${formatPercent(control)}</span>` : '');
  const rows = layers
    .map((layer) => {
      const tds = combos.map(([pooling, attention]) => {
        const c = probe.sweep.find((x) => x.layer === layer && x.pooling === pooling && x.attention === attention);
        const isBest = best !== undefined && best.layer === layer && best.pooling === pooling && best.attention === attention;
        return `<td${isBest ? ' class="best"' : ''}>${c ? cellText(c.testAccuracy, c.valAccuracy, c.control?.testAccuracy) : '\u2014'}</td>`;
      });
      return `<tr><th>${layer}</th>${tds.join('')}</tr>`;
    })
    .join('\n');
  const raw = probe.rawPixels
    ? `<tr class="baseline"><th>raw pixels</th><td colspan="${Math.max(1, combos.length)}">${cellText(probe.rawPixels.testAccuracy, probe.rawPixels.valAccuracy)}</td></tr>`
    : '';
  const extras: string[] = [];
  const controls = (ri: number | undefined, px?: number): string =>
    [ri !== undefined ? `random init ${formatPercent(ri)}` : undefined, px !== undefined ? `pixels ${formatPercent(px)}` : undefined].filter(Boolean).join(' \u00b7 ');
  if (probe.randomInit) {
    const r = probe.randomInit;
    extras.push(stat('random-init control (best)', formatPercent(r.testAccuracy), `layer ${r.layer}, ${r.pooling}, ${r.attention}`));
  }
  if (probe.knn) extras.push(stat(`kNN, k=${probe.knn.k ?? '?'} (cosine)`, formatPercent(probe.knn.testAccuracy), controls(probe.knn.randomInitTestAccuracy, probe.knn.pixelsTestAccuracy) || 'test accuracy'));
  if (probe.attentive) {
    const where = probe.attentive.layer !== undefined ? `layer ${probe.attentive.layer}` : undefined;
    extras.push(stat('attentive probe', formatPercent(probe.attentive.testAccuracy), [where, controls(probe.attentive.randomInitTestAccuracy)].filter(Boolean).join(' \u00b7 ') || undefined));
  }
  if (best && layers.length === 0) extras.push(stat('linear probe (best)', formatPercent(best.testAccuracy), `layer ${best.layer}, ${best.pooling}, ${best.attention}`));
  if (probe.seconds !== undefined) extras.push(stat('probe time', formatDuration(probe.seconds)));
  const head = combos.map(([p, a]) => `<th>${h(p)} \u00b7 ${h(a)}</th>`).join('');
  const table =
    layers.length > 0 || raw
      ? `<h3>Linear probe: test accuracy (validation)</h3><table class="probe"><thead><tr><th>layer</th>${head}</tr></thead><tbody>\n${rows}\n${raw}</tbody></table>`
      : '';
  return `<div>${table}${extras.length ? `<div class="stats">${extras.join('')}</div>` : ''}</div>`;
}

function finetuneBlock(run: RunData, charts: ReportCharts): string {
  const ft = run.finetune;
  if (!ft) return '';
  const final = ft.final
    ? `<div class="stats">${Object.entries(ft.final)
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => stat(`fine-tune ${words(k)}`, /accuracy/i.test(k) ? formatPercent(v as number) : formatNumber(v as number)))
        .join('')}</div>`
    : '';
  return `<div>${final}${finetuneComparisonTable(ft.comparisons)}${chartFigure(charts.finetune)}</div>`;
}

function finetuneComparisonTable(rows: readonly FinetuneComparisonRow[] | undefined): string {
  if (!rows?.length) return '';
  const body = rows
    .map((r) => {
      const gain = r.fromScratch === undefined ? '—' : `${r.pretrained >= r.fromScratch ? '+' : ''}${(100 * (r.pretrained - r.fromScratch)).toFixed(1)}`;
      return `<tr><td>${formatPercent(r.labelFraction)}</td><td>${r.trainSize ?? '—'}</td><td>${r.epochs ?? '—'}</td><td>${formatPercent(r.pretrained)}</td><td>${r.fromScratch === undefined ? '—' : formatPercent(r.fromScratch)}</td><td>${gain}</td><td>${r.seconds === undefined ? '—' : `${r.seconds.toFixed(0)} s`}</td></tr>`;
    })
    .join('\n');
  return `<h3>Fine-tuning: pretrained vs from scratch (test accuracy)</h3><table class="probe"><thead><tr><th>labels</th><th>images</th><th>epochs</th><th>pretrained</th><th>from scratch</th><th>gain (points)</th><th>wall time</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function generationTable(rows: readonly GenerationQualityRow[] | undefined): string {
  if (!rows?.length) return '';
  const pct = (x: number | undefined): string => (x === undefined ? '\u2014' : formatPercent(x));
  const num = (x: number | undefined, d = 2): string => (x === undefined ? '\u2014' : x.toFixed(d));
  const body = rows
    .map(
      (r) =>
        `<tr><td>${r.kind === 'completions' ? `completions (${r.prefixPatches ?? '?'} patches given)` : 'unconditional samples'}</td><td>${r.count}</td><td>${pct(r.labelAgreement)}</td><td>${pct(r.meanConfidence)} <span class="muted">(real ${pct(r.realConfidence)})</span></td><td>${num(r.classSpread, 3)}</td><td>${num(r.frechet)} <span class="muted">(real vs real ${num(r.frechetRealVsReal)})</span></td><td>${r.seconds === undefined ? '\u2014' : `${r.seconds.toFixed(0)} s`}</td></tr>`,
    )
    .join('\n');
  return `<h3>Generation quality (a pixel classifier trained on this data)</h3><table class="probe"><thead><tr><th>images</th><th>count</th><th>keeps source class</th><th>confidence</th><th>class spread</th><th>Fréchet distance</th><th>wall time</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function evalTable(run: RunData): string {
  const evals = run.events.filter((e) => e.event === 'eval');
  if (evals.length === 0) return '';
  const keys = [...new Set(evals.flatMap((e) => Object.keys(e)))].filter((k) => k !== 'event');
  const head = keys.map((k) => `<th>${h(k)}</th>`).join('');
  const body = evals.map((e) => `<tr>${keys.map((k) => `<td>${h(describe(e[k]))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function environmentTable(run: RunData): string {
  const rows: [string, string][] = [];
  const backend = field(run.state, 'backend');
  if (backend !== undefined) rows.push(['backend', describe(backend)]);
  const versions = field(run.state, 'versions');
  if (isObject(versions)) for (const [k, v] of Object.entries(versions)) rows.push([k, describe(v)]);
  const seed = field(run.config, 'train', 'seed');
  if (seed !== undefined) rows.push(['seed', describe(seed)]);
  for (const [label, key] of [['started', 'startedAt'], ['step', 'step'], ['wall seconds', 'wallSeconds']] as const) {
    const v = field(run.state, key);
    if (v !== undefined) rows.push([label, describe(v)]);
  }
  if (rows.length === 0) return '';
  return `<table class="kv"><tbody>\n${rows.map(([k, v]) => `<tr><th>${h(k)}</th><td>${h(v)}</td></tr>`).join('\n')}\n</tbody></table>`;
}

const STYLE = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff; --accent: #4269d0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 40px; }
header { display: flex; gap: 24px; justify-content: space-between; align-items: flex-start; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; }
h1 { margin: 0; font-size: 22px; }
h2 { font-size: 17px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 13px; margin: 0; font-weight: 600; }
.subtitle { margin: 2px 0 10px; color: var(--muted); }
.note { color: var(--muted); margin: 8px 0 0; font-size: 13px; }
.verdict { margin: 8px 0 0; padding: 6px 10px; border-left: 3px solid #c4661f; background: #fbf3ec; font-size: 13px; }
nav { margin-top: 10px; display: flex; gap: 14px; font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; }
.stats { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0 10px; }
.stat { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 120px; }
.stat-label { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.stat-value { font-size: 19px; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat-sub { font-size: 12px; color: var(--muted); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 20px 16px; margin-top: 16px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px 18px; }
.chart { margin: 0; min-width: 0; }
.grid.two { grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); margin-top: 14px; }
.chart.wide { grid-column: 1 / -1; }
.muted { color: var(--muted); font-weight: 400; }
.chart-head { display: flex; justify-content: space-between; align-items: baseline; }
.chart figcaption { font-size: 12px; color: var(--muted); }
.canvas-box { position: relative; height: 230px; margin-top: 4px; }
.chart.wide .canvas-box { height: 300px; }
.toggle { font-size: 12px; color: var(--muted); cursor: pointer; user-select: none; }
.hero { margin: 0; text-align: center; }
.hero figcaption, .sample figcaption { font-size: 12px; color: var(--muted); }
img { image-rendering: pixelated; display: block; margin: 0 auto; background: #000; }
.strip { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 14px; }
.sample { margin: 0; text-align: center; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; margin-top: 8px; }
th, td { padding: 3px 12px 3px 0; text-align: left; border-bottom: 1px solid var(--line); }
thead th { color: var(--muted); font-weight: 600; }
td.best { font-weight: 700; background: #eef2fc; outline: 2px solid #1d2330; outline-offset: -2px; }
tr.baseline th, tr.baseline td { color: #b22; }
table.probe td, table.probe th { padding-right: 18px; }
table.kv th { color: var(--muted); font-weight: 500; padding-right: 24px; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; font-size: 12px; overflow: auto; max-height: 480px; margin: 8px 0 0; }
.setup { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; }
.warnings { background: #fff6e0; border: 1px solid #f0d28a; border-radius: 8px; padding: 8px 20px; margin-top: 16px; }
.warnings li { margin: 2px 0; }
footer { color: var(--muted); font-size: 12px; margin-top: 16px; text-align: center; }
`;

/** The page's own script: draws each embedded Chart.js configuration and wires the log-scale checkboxes. */
const PAGE_SCRIPT = `(function () {
  'use strict';
  var specs = JSON.parse(document.getElementById('darl-charts').textContent);
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  Chart.defaults.font.size = 11;
  Chart.defaults.color = '#3a4252';
  Chart.defaults.borderColor = 'rgba(0, 0, 0, 0.08)';
  var charts = {};
  Object.keys(specs).forEach(function (id) {
    var canvas = document.getElementById('chart-' + id);
    if (canvas) charts[id] = new Chart(canvas, specs[id]);
  });
  document.querySelectorAll('input[data-log-toggle]').forEach(function (box) {
    box.addEventListener('change', function () {
      var chart = charts[box.getAttribute('data-log-toggle')];
      chart.options.scales.y.type = box.checked ? 'logarithmic' : 'linear';
      chart.update();
    });
  });
  document.documentElement.setAttribute('data-charts-drawn', String(Object.keys(charts).length));
})();`;

/**
 * Renders a run as one self-contained HTML page (no network: styles, Chart.js, chart data and images inline).
 * Pure apart from reading the installed Chart.js bundle once: the same `RunData` gives the same HTML.
 */
export function renderReport(run: RunData, options: RenderReportOptions = {}): string {
  const charts = buildCharts(run);
  const chartSpecs = Object.fromEntries(Object.values(charts).map((c: ReportChart) => [c.id, c.config]));
  const warnings = run.warnings.length
    ? `<div class="warnings"><b>While reading this run:</b><ul>${run.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul></div>`
    : '';
  const training = section(
    'training',
    'Training',
    `<div class="grid">${chartFigure(charts.loss, 'wide')}${chartFigure(charts.lr)}${chartFigure(charts.gradNorm)}${chartFigure(charts.throughput)}</div>`.replace(/^<div class="grid"><\/div>$/, ''),
  );
  const struggles = section(
    'struggles',
    'Where the model struggles',
    `<div class="grid two">${chartFigure(charts.lossByNoise)}${chartFigure(charts.lossByNoiseOverTime)}${chartFigure(charts.lossByRow)}${chartFigure(charts.lossByRowOverTime)}</div>`.replace(/^<div class="grid two"><\/div>$/, ''),
  );
  const representation = section(
    'representation',
    'Representation quality',
    `${charts.probe ? `<div class="grid">${chartFigure(charts.probe, 'wide')}</div>` : ''}<div class="grid two">${probeTable(run)}${finetuneBlock(run, charts)}</div>`.replace('<div class="grid two"></div>', ''),
  );
  const samples = section('samples', 'Samples', `${imageStrip(run.images, 'grid')}${imageStrip(run.images, 'completion')}${generationTable(run.generation)}`);
  const evaluations = section('evaluations', 'Evaluations during training', evalTable(run));
  const env = environmentTable(run);
  const setup = section(
    'setup',
    'Configuration and environment',
    run.config || env
      ? `<div class="setup">${run.config ? `<div><h3>config.json</h3><pre>${h(JSON.stringify(run.config, null, 2))}</pre></div>` : ''}${env ? `<div><h3>Environment</h3>${env}</div>` : ''}</div>`
      : '',
  );
  const library = options.chartLibrary ?? loadChartLibrary();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="darl report">
<title>${h(run.name)} \u2014 darl run report</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<main>
${header(run, charts, options.note)}
${warnings}
${training}
${struggles}
${representation}
${samples}
${evaluations}
${setup}
<footer>darl run report \u00b7 ${h(run.name)} \u00b7 self-contained: charts drawn by Chart.js, inlined</footer>
</main>
<script type="application/json" id="darl-charts">${jsonForScript(chartSpecs)}</script>
<script>${scriptSafe(library)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
