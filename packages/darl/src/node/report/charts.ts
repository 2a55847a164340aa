// Chart.js configurations for the report, built in Node from `RunData`. Every configuration is plain JSON (no
// functions), so it is embedded in the page as data and the page's script only calls `new Chart(canvas, config)`.
import type { ChartConfiguration, ChartDataset, ScaleOptions } from 'chart.js';
import { formatNumber, formatPercent } from './format.js';
import type { ProbeFile } from '../run-dir/index.js';
import type { RunData } from './read-run.js';

type MetricRow = RunData['metrics'][number];
type ProbeCell = ProbeFile['sweep'][number];

/** One chart of the report: a Chart.js configuration plus the text around it. */
export interface ReportChart {
  /** Unique, HTML-id-safe name (`loss`, `probe`, ...). */
  readonly id: string;
  readonly title: string;
  /** One line under the title (what is plotted, at which step). */
  readonly caption?: string;
  /** Whether the page offers a "log scale" checkbox for the y axis (all values are positive). */
  readonly logToggle?: boolean;
  readonly config: ChartConfiguration;
}

/** The report's charts by name; a chart is absent when its data is. */
export interface ReportCharts {
  readonly loss?: ReportChart;
  readonly lr?: ReportChart;
  readonly gradNorm?: ReportChart;
  readonly throughput?: ReportChart;
  readonly lossByNoise?: ReportChart;
  readonly lossByNoiseOverTime?: ReportChart;
  readonly lossByRow?: ReportChart;
  readonly lossByRowOverTime?: ReportChart;
  readonly probe?: ReportChart;
  readonly finetune?: ReportChart;
}

/** Categorical colours (Observable's 10-colour scheme: distinguishable, colour-blind aware). */
export const PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0'];
const REFERENCE_COLOUR = '#555555';
const BASELINE_COLOUR = '#d62728';
/** Stops of the viridis map, for ordered series (noise bins, patch rows). */
const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

/** The `i`-th of `n` colours spread along viridis (dark = first). */
function sequentialColour(i: number, n: number): string {
  const t = n <= 1 ? 0 : i / (n - 1);
  return VIRIDIS[Math.round(t * 0.9 * (VIRIDIS.length - 1))] ?? VIRIDIS[0]!;
}

/** `#rrggbb` with an alpha in [0, 1] as `rgba(...)`. */
function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

interface Point {
  x: number;
  y: number;
}

/** At most this many points per series are embedded; longer series keep each bucket's min and max (spikes stay). */
export const MAX_POINTS = 4000;

/** Thins a series to at most `max` points, keeping the minimum and maximum of each bucket in x order. */
export function thinSeries(points: readonly Point[], max = MAX_POINTS): Point[] {
  if (points.length <= max) return [...points];
  const buckets = Math.floor(max / 2);
  const out: Point[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * points.length) / buckets);
    const end = Math.floor(((b + 1) * points.length) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start; i < end; i++) {
      if (points[i]!.y < points[lo]!.y) lo = i;
      if (points[i]!.y > points[hi]!.y) hi = i;
    }
    for (const i of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) out.push(points[i]!);
  }
  return out;
}

/**
 * Centred moving average of `y` over `window` neighbouring points (fewer at the ends). Unlike an exponential
 * moving average it does not lag behind a falling loss, which matters when the curve is read after the run.
 */
export function smoothSeries(points: readonly Point[], window: number): Point[] {
  const half = Math.floor(window / 2);
  const prefix = [0];
  for (const p of points) prefix.push(prefix[prefix.length - 1]! + p.y);
  return points.map((p, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(points.length, i + half + 1);
    return { x: p.x, y: (prefix[hi]! - prefix[lo]!) / (hi - lo) };
  });
}

function seriesOf(metrics: readonly MetricRow[], key: 'loss' | 'lr' | 'gradNorm' | 'imagesPerSec'): Point[] {
  const out: Point[] = [];
  for (const m of metrics) {
    const y = m[key];
    if (y !== undefined) out.push({ x: m.step, y });
  }
  return out;
}

function axisTitle(text: string) {
  return { display: true, text };
}

/** Options shared by the step-indexed line charts. */
function lineOptions(xTitle: string, yTitle: string, legend: boolean, logY = false, xRange: { min?: number; max?: number } = {}): ChartConfiguration<'line'>['options'] {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    normalized: true,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    plugins: { legend: { display: legend, labels: { boxWidth: 12, boxHeight: 2 } } },
    scales: {
      // Steps and epochs are integers: integer tick steps.
      x: { type: 'linear', title: axisTitle(xTitle), ticks: { precision: 0 }, ...xRange },
      y: { type: logY ? 'logarithmic' : 'linear', title: axisTitle(yTitle) },
    },
  };
}

function lineDataset(label: string, data: readonly Point[], colour: string, extra: Partial<ChartDataset<'line'>> = {}): ChartDataset<'line'> {
  return {
    label,
    data: [...data],
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 1.5,
    pointRadius: data.length <= 30 ? 2.5 : 0,
    pointHoverRadius: 3,
    tension: 0,
    ...extra,
  };
}

function lineChart(id: string, title: string, datasets: ChartDataset<'line'>[], xTitle: string, yTitle: string, extra: Partial<ReportChart> = {}): ReportChart {
  const logY = extra.logToggle === true && isLogByDefault(datasets);
  // The x axis ends where the data ends (Chart.js would round it up to a "nice" number).
  const xs = datasets.flatMap((d) => (d.data as Point[]).map((p) => p.x));
  const options = lineOptions(xTitle, yTitle, datasets.length > 1, logY, xs.length > 0 ? { min: Math.min(...xs), max: Math.max(...xs) } : {});
  return { id, title, ...extra, config: { type: 'line', data: { datasets }, options } as ChartConfiguration };
}

/** A log y axis is the default when all values are positive and span more than a decade. */
function isLogByDefault(datasets: readonly ChartDataset<'line'>[]): boolean {
  const ys = datasets.flatMap((d) => (d.data as Point[]).map((p) => p.y));
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  return lo > 0 && hi / lo > 10;
}

function allPositive(points: readonly Point[]): boolean {
  return points.length > 0 && points.every((p) => p.y > 0);
}

/** The loss curve, smoothed when long, with the reference run's curve against it. */
function lossChart(run: RunData): ReportChart | undefined {
  const loss = seriesOf(run.metrics, 'loss');
  const ref = (run.reference?.loss ?? []).map(([x, y]) => ({ x, y }));
  if (loss.length === 0 && ref.length === 0) return undefined;
  const datasets: ChartDataset<'line'>[] = [];
  const colour = PALETTE[0]!;
  if (loss.length > 50) {
    const window = Math.min(501, Math.max(3, 2 * Math.round(loss.length / 60) + 1));
    datasets.push(lineDataset('loss', thinSeries(loss), withAlpha(colour, 0.35), { borderWidth: 1 }));
    datasets.push(lineDataset(`loss, smoothed (centred mean of ${window} logs)`, thinSeries(smoothSeries(loss, window)), colour, { borderWidth: 2 }));
  } else if (loss.length > 0) {
    datasets.push(lineDataset('loss', loss, colour, { borderWidth: 2 }));
  }
  if (ref.length > 0) {
    datasets.push(lineDataset(`reference: ${run.reference!.name}`, thinSeries(ref), REFERENCE_COLOUR, { borderDash: [6, 4], borderWidth: 1.5 }));
  }
  const logToggle = allPositive(loss) && (ref.length === 0 || allPositive(ref));
  const caption = ref.length > 0 ? 'dashed: the recipe\u2019s reference run; a normal run stays close to it' : undefined;
  return lineChart('loss', 'Training loss', datasets, 'step', 'loss', { logToggle, ...(caption ? { caption } : {}) });
}

function simpleLineChart(run: RunData, key: 'lr' | 'gradNorm' | 'imagesPerSec', id: string, title: string, yTitle: string, colour: string): ReportChart | undefined {
  const points = seriesOf(run.metrics, key);
  if (points.length === 0) return undefined;
  const datasets = [lineDataset(yTitle, thinSeries(points), colour)];
  const train = run.config?.train;
  const clipNorm = key === 'gradNorm' && typeof train === 'object' && train !== null ? (train as Record<string, unknown>).clipNorm : undefined;
  if (typeof clipNorm === 'number' && Number.isFinite(clipNorm) && clipNorm > 0) {
    const xs = points.map((p) => p.x);
    const line = [{ x: Math.min(...xs), y: clipNorm }, { x: Math.max(...xs), y: clipNorm }];
    datasets.push(lineDataset(`clip norm ${formatNumber(clipNorm)}`, line, REFERENCE_COLOUR, { borderDash: [6, 4], pointRadius: 0 }));
  }
  return lineChart(id, title, datasets, 'step', yTitle, { logToggle: key === 'gradNorm' && allPositive(points) });
}

function barOptions(xTitle: string, yTitle: string, legend: boolean, y: ScaleOptions<'linear'> | object = {}): ChartConfiguration<'bar'>['options'] {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: legend, labels: { boxWidth: 12 } } },
    scales: { x: { title: axisTitle(xTitle), grid: { display: false } }, y: { title: axisTitle(yTitle), ...y } },
  };
}

/** The last logged row that has `key`, and all rows that have it. */
function rowsWith<K extends 'lossByNoise' | 'lossByRow'>(metrics: readonly MetricRow[], key: K): MetricRow[] {
  return metrics.filter((m) => m[key] !== undefined && m[key]!.length > 0);
}

/** ` (40–49 patches per bin)` when every bin has a count. */
function countRange(counts: readonly (number | undefined)[]): string {
  if (counts.some((c) => c === undefined)) return '';
  const lo = Math.min(...(counts as number[]));
  const hi = Math.max(...(counts as number[]));
  return ` (${lo === hi ? lo : `${lo}\u2013${hi}`} patches per bin)`;
}

function lossByNoiseCharts(run: RunData): Pick<ReportCharts, 'lossByNoise' | 'lossByNoiseOverTime'> {
  const rows = rowsWith(run.metrics, 'lossByNoise');
  const last = rows.at(-1);
  if (!last) return {};
  const bins = last.lossByNoise!;
  const labels = bins.map((b) => `${formatNumber(b.lo, 2)}\u2013${formatNumber(b.hi, 2)}`);
  const xTitle = 'noise level \u03b3 (signal fraction: 0 = pure noise, 1 = clean)';
  const lossByNoise: ReportChart = {
    id: 'loss-by-noise',
    title: 'Loss by noise level',
    caption: `mean diffusion loss per \u03b3 bin at step ${last.step}` + countRange(bins.map((b) => b.count)),
    config: {
      type: 'bar',
      data: { labels, datasets: [{ label: 'loss', data: bins.map((b) => b.loss), backgroundColor: bins.map((_, i) => sequentialColour(i, bins.length)) }] },
      options: barOptions(xTitle, 'mean loss', false),
    } as ChartConfiguration,
  };
  if (rows.length < 2) return { lossByNoise };
  const datasets = bins.map((_, i) =>
    lineDataset(
      labels[i]!,
      thinSeries(rows.flatMap((r) => (r.lossByNoise![i] && Number.isFinite(r.lossByNoise![i]!.loss) ? [{ x: r.step, y: r.lossByNoise![i]!.loss }] : []))),
      sequentialColour(i, bins.length),
    ),
  );
  return {
    lossByNoise,
    lossByNoiseOverTime: lineChart('loss-by-noise-over-time', 'Loss by noise level over training', datasets, 'step', 'mean loss', {
      caption: 'one line per \u03b3 bin (dark = noisiest)',
    }),
  };
}

function lossByRowCharts(run: RunData): Pick<ReportCharts, 'lossByRow' | 'lossByRowOverTime'> {
  const rows = rowsWith(run.metrics, 'lossByRow');
  const last = rows.at(-1);
  if (!last) return {};
  const values = last.lossByRow!;
  const labels = values.map((_, i) => String(i + 1));
  const lossByRow: ReportChart = {
    id: 'loss-by-row',
    title: 'Loss by patch row',
    caption: `mean loss per row of the patch grid at step ${last.step}`,
    config: {
      type: 'bar',
      data: { labels, datasets: [{ label: 'loss', data: [...values], backgroundColor: PALETTE[0] }] },
      options: barOptions('patch row (top \u2192 bottom)', 'mean loss', false),
    } as ChartConfiguration,
  };
  if (rows.length < 2) return { lossByRow };
  const datasets = values.map((_, i) =>
    lineDataset(
      `row ${i + 1}`,
      thinSeries(rows.flatMap((r) => (Number.isFinite(r.lossByRow![i]) ? [{ x: r.step, y: r.lossByRow![i]! }] : []))),
      sequentialColour(i, values.length),
    ),
  );
  return {
    lossByRow,
    lossByRowOverTime: lineChart('loss-by-row-over-time', 'Loss by patch row over training', datasets, 'step', 'mean loss', {
      caption: 'one line per patch row (dark = top)',
    }),
  };
}

const cellKey = (c: Pick<ProbeCell, 'pooling' | 'attention'>) => `${c.pooling} \u00b7 ${c.attention}`;

/** Grouped bars of test accuracy per layer for each pooling × attention, the raw-pixel baseline as a line, best cell outlined. */
function probeChart(run: RunData): ReportChart | undefined {
  const probe = run.probe;
  if (!probe || probe.sweep.length === 0) return undefined;
  const layers = [...new Set(probe.sweep.map((c) => c.layer))].sort((a, b) => a - b);
  const combos = [...new Set(probe.sweep.map(cellKey))];
  const best = probe.best;
  const values: number[] = [];
  const datasets: ChartDataset<'bar' | 'line'>[] = combos.map((combo, k) => {
    const colour = PALETTE[k % PALETTE.length]!;
    const data = layers.map((layer) => {
      const cell = probe.sweep.find((c) => c.layer === layer && cellKey(c) === combo);
      if (cell?.testAccuracy !== undefined) values.push(cell.testAccuracy);
      return cell?.testAccuracy ?? null;
    });
    const isBest = layers.map((layer) => best !== undefined && best.layer === layer && cellKey(best) === combo);
    return {
      type: 'bar' as const,
      label: combo,
      data,
      backgroundColor: isBest.map((b) => (b ? colour : withAlpha(colour, 0.75))),
      borderColor: isBest.map((b) => (b ? '#111111' : colour)),
      borderWidth: isBest.map((b) => (b ? 2.5 : 0)),
      order: 2,
    };
  });
  const labels = layers.map((l) => `layer ${l}`);
  const flat = (label: string, y: number, colour: string): ChartDataset<'line'> => {
    values.push(y);
    return { type: 'line', label, data: layers.map(() => y), borderColor: colour, backgroundColor: colour, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, order: 1 };
  };
  const raw = probe.rawPixels?.testAccuracy;
  if (raw !== undefined) datasets.push(flat(`raw pixels ${formatPercent(raw)}`, raw, BASELINE_COLOUR));
  const refAcc = run.reference?.probe?.testAccuracy;
  if (refAcc !== undefined) datasets.push(flat(`reference best ${formatPercent(refAcc)}`, refAcc, REFERENCE_COLOUR));
  // Accuracies differ in the second digit: start the axis just below the smallest value, not at 0.
  const range =
    values.length > 0
      ? { min: Math.max(0, Math.floor((Math.min(...values) - 0.02) * 20) / 20), max: Math.min(1, Math.ceil((Math.max(...values) + 0.01) * 20) / 20) }
      : { min: 0, max: 1 };
  const caption = best
    ? `test accuracy of a linear probe per layer; outlined: best on validation (layer ${best.layer}, ${cellKey(best)}, ${formatPercent(best.testAccuracy)} test)`
    : 'test accuracy of a linear probe per layer';
  return {
    id: 'probe',
    title: 'Linear probe sweep',
    caption,
    config: {
      type: 'bar',
      data: { labels, datasets },
      options: barOptions('readout layer', 'test accuracy', true, range),
    } as ChartConfiguration,
  };
}

function finetuneChart(run: RunData): ReportChart | undefined {
  const epochs = run.finetune?.epochs ?? [];
  const loss = epochs.flatMap((e) => (e.trainLoss === undefined ? [] : [{ x: e.epoch, y: e.trainLoss }]));
  const acc = epochs.flatMap((e) => (e.testAccuracy === undefined ? [] : [{ x: e.epoch, y: e.testAccuracy }]));
  if (loss.length === 0 && acc.length === 0) return undefined;
  const options = lineOptions('epoch', 'train loss', true)!;
  const datasets: ChartDataset<'line'>[] = [];
  if (loss.length > 0) datasets.push(lineDataset('train loss', loss, PALETTE[0]!, { yAxisID: 'y' }));
  if (acc.length > 0) datasets.push(lineDataset('test accuracy', acc, PALETTE[2]!, { yAxisID: 'acc' }));
  options.scales = {
    ...options.scales,
    x: { type: 'linear', title: axisTitle('epoch'), ticks: { stepSize: 1 } },
    acc: { type: 'linear', position: 'right', title: axisTitle('test accuracy'), grid: { drawOnChartArea: false } },
  };
  return { id: 'finetune', title: 'Fine-tuning', config: { type: 'line', data: { datasets }, options } as ChartConfiguration };
}

/** Builds every chart the run's data allows. Pure: the same `RunData` gives the same configurations. */
export function buildCharts(run: RunData): ReportCharts {
  const charts: Record<string, ReportChart | undefined> = {
    loss: lossChart(run),
    lr: simpleLineChart(run, 'lr', 'lr', 'Learning rate', 'learning rate', PALETTE[4]!),
    gradNorm: simpleLineChart(run, 'gradNorm', 'grad-norm', 'Gradient norm', 'gradient norm', PALETTE[2]!),
    throughput: simpleLineChart(run, 'imagesPerSec', 'throughput', 'Throughput', 'images / s', PALETTE[6]!),
    ...lossByNoiseCharts(run),
    ...lossByRowCharts(run),
    probe: probeChart(run),
    finetune: finetuneChart(run),
  };
  return Object.fromEntries(Object.entries(charts).filter(([, c]) => c !== undefined)) as ReportCharts;
}
