// The report's header: the run's name and setup in one line, its headline numbers, the verdict when the best probe
// cell loses to a baseline, the newest sample grid and the section links.
import type { ProbeFile, ReferenceRun } from '../run-dir/index.js';
import type { ReportCharts } from './charts.js';
import { escapeHtml as h } from './escape.js';
import { formatDuration, formatNumber, formatPercent } from './format.js';
import { describe, field, image, isObject, num, stat, type Json } from './html-parts.js';
import type { RunData } from './read-run.js';

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

function lastLoss(metrics: RunData['metrics']): RunData['metrics'][number] | undefined {
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
export function probeVerdict(probe: ProbeFile | undefined): string | undefined {
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

export function header(run: RunData, charts: ReportCharts, note: string | undefined): string {
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
    ['samples', run.images.length > 0 || run.generation !== undefined],
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
