// The report's tables: the probe sweep, fine-tuning, generation quality, evaluations during training and the
// environment, each rendered from its run-directory file as parsed by its schema.
import type { FinetuneFile, GenerationFile } from '../run-dir/index.js';
import type { ReportCharts } from './charts.js';
import { escapeHtml as h } from './escape.js';
import { formatDuration, formatNumber, formatPercent } from './format.js';
import { chartFigure, describe, field, isObject, num, stat, words } from './html-parts.js';
import type { RunData } from './read-run.js';

/** The probe sweep as a layer × (pooling · attention) table of test accuracy (validation in brackets). */
export function probeTable(run: RunData): string {
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

export function finetuneBlock(run: RunData, charts: ReportCharts): string {
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

/** One row of the fine-tuning comparison table. */
interface ComparisonRow {
  readonly labelFraction: number;
  readonly trainSize: number;
  readonly epochs?: number;
  readonly pretrained: number;
  readonly fromScratch?: number;
  readonly seconds: number;
}

function comparisonRows(comparisons: FinetuneFile['comparisons']): ComparisonRow[] {
  return (comparisons ?? []).map((c) => {
    const epochs = num(c.config.epochs);
    return {
      labelFraction: c.labelFraction,
      trainSize: c.trainSize,
      pretrained: c.pretrained.testAccuracy,
      seconds: c.pretrained.seconds + (c.fromScratch?.seconds ?? 0),
      ...(epochs === undefined ? {} : { epochs }),
      ...(c.fromScratch ? { fromScratch: c.fromScratch.testAccuracy } : {}),
    };
  });
}

function finetuneComparisonTable(comparisons: FinetuneFile['comparisons']): string {
  const rows = comparisonRows(comparisons);
  if (!rows.length) return '';
  const body = rows
    .map((r) => {
      const gain = r.fromScratch === undefined ? '—' : `${r.pretrained >= r.fromScratch ? '+' : ''}${(100 * (r.pretrained - r.fromScratch)).toFixed(1)}`;
      return `<tr><td>${formatPercent(r.labelFraction)}</td><td>${r.trainSize}</td><td>${r.epochs ?? '—'}</td><td>${formatPercent(r.pretrained)}</td><td>${r.fromScratch === undefined ? '—' : formatPercent(r.fromScratch)}</td><td>${gain}</td><td>${r.seconds > 0 ? `${r.seconds.toFixed(0)} s` : '—'}</td></tr>`;
    })
    .join('\n');
  return `<h3>Fine-tuning: pretrained vs from scratch (test accuracy)</h3><table class="probe"><thead><tr><th>labels</th><th>images</th><th>epochs</th><th>pretrained</th><th>from scratch</th><th>gain (points)</th><th>wall time</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The generation-quality table: completions, then unconditional samples, each beside real held-out images. */
export function generationTable(generation: GenerationFile | undefined): string {
  if (!generation) return '';
  const pct = (x: number | undefined): string => (x === undefined ? '\u2014' : formatPercent(x));
  const rows = [
    [`completions (${generation.completions.prefixPatches} patches given)`, generation.completions] as const,
    ...(generation.unconditional ? [['unconditional samples', generation.unconditional] as const] : []),
  ];
  const body = rows
    .map(
      ([what, r]) =>
        `<tr><td>${what}</td><td>${r.count}</td><td>${pct(r.labelAgreement)}</td><td>${pct(r.meanConfidence)} <span class="muted">(real ${pct(r.heldOut.meanConfidence)})</span></td><td>${r.classSpread.toFixed(3)}</td><td>${r.frechet.toFixed(2)} <span class="muted">(real vs real ${r.heldOut.frechetRealVsReal.toFixed(2)})</span></td><td>${r.seconds.toFixed(0)} s</td></tr>`,
    )
    .join('\n');
  return `<h3>Generation quality (a pixel classifier trained on this data)</h3><table class="probe"><thead><tr><th>images</th><th>count</th><th>keeps source class</th><th>confidence</th><th>class spread</th><th>Fréchet distance</th><th>wall time</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function evalTable(run: RunData): string {
  const evals = run.events.filter((e) => e.event === 'eval');
  if (evals.length === 0) return '';
  const keys = [...new Set(evals.flatMap((e) => Object.keys(e)))].filter((k) => k !== 'event');
  const head = keys.map((k) => `<th>${h(k)}</th>`).join('');
  const body = evals.map((e) => `<tr>${keys.map((k) => `<td>${h(describe(e[k]))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function environmentTable(run: RunData): string {
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
