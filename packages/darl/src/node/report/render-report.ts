// Renders `RunData` into one self-contained HTML page: styles, Chart.js, chart data and images are all inline,
// so the file opens anywhere without network. Sections whose data is absent are left out.
import { buildCharts, type ReportChart } from './charts.js';
import { loadChartLibrary } from './chart-library.js';
import { escapeHtml as h, jsonForScript, scriptSafe } from './escape.js';
import { chartFigure, imageStrip, section } from './html-parts.js';
import { PAGE_SCRIPT, STYLE } from './page-assets.js';
import type { RunData } from './read-run.js';
import { RUN_FILES } from '../run-dir/index.js';
import { header } from './report-header.js';
import { environmentTable, evalTable, finetuneBlock, generationTable, probeTable } from './result-tables.js';

export { probeVerdict, referenceLossAt } from './report-header.js';

/** Options of `renderReport`. */
export interface RenderReportOptions {
  /** Source of Chart.js's browser bundle to inline; read from the installed `chart.js` package by default. */
  readonly chartLibrary?: string;
  /** One paragraph shown under the headline numbers, e.g. a recipe's advice on what to run when this run is too short. */
  readonly note?: string;
}

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
      ? `<div class="setup">${run.config ? `<div><h3>${RUN_FILES.config}</h3><pre>${h(JSON.stringify(run.config, null, 2))}</pre></div>` : ''}${env ? `<div><h3>Environment</h3>${env}</div>` : ''}</div>`
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
