// The report without a browser: reading run directories, the HTML's structure, inlining, escaping and
// omitted sections, and the small pure helpers (escaping, thinning, smoothing, reference interpolation).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCharts, smoothSeries, thinSeries } from './charts.js';
import { escapeHtml, jsonForScript, scriptSafe } from './escape.js';
import { HOSTILE, probe as fixtureProbe, reference as fixtureReference, writeFullRun, writeMinimalRun } from './fixtures/make-run-dir.js';
import { formatDuration, formatNumber, formatPercent } from './format.js';
import type { ProbeFile, ReferenceRun } from '../run-dir/index.js';
import { readRunData, referenceRunOf, renderReport, writeReport } from './index.js';
import { isUserError } from '@darl/tensor-backend';
import { referenceLossAt } from './render-report.js';

let root: string;
let fullDir: string;
let fullPngs: Map<string, Buffer>;
let minimalDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'darl-report-'));
  fullDir = join(root, 'full-run');
  minimalDir = join(root, 'minimal-run');
  fullPngs = await writeFullRun(fullDir);
  await writeMinimalRun(minimalDir);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Text of the `<script type="application/json" id="darl-charts">` element. */
function chartJson(html: string): Record<string, { type: string; data: { datasets: { label: string; data: unknown[] }[]; labels?: string[] } }> {
  const m = /<script type="application\/json" id="darl-charts">([\s\S]*?)<\/script>/.exec(html);
  expect(m, 'chart data script').not.toBeNull();
  return JSON.parse(m![1]!);
}

/** The page without its inline library and page scripts (whose text would match almost anything). */
const pageText = (html: string) => html.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
const sectionIds = (html: string) => [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
const canvasIds = (html: string) => [...html.matchAll(/<canvas id="chart-([^"]+)"/g)].map((m) => m[1]).sort();

describe('readRunData', () => {
  it('reads every file of a full run directory', async () => {
    const run = await readRunData(fullDir);
    expect(run.name).toBe('full-run');
    expect(run.warnings).toEqual([]);
    expect(run.metrics).toHaveLength(300);
    expect(run.metrics[9]!.lossByNoise).toHaveLength(10);
    expect(run.metrics[9]!.lossByRow).toHaveLength(7);
    expect(run.metrics[0]!.lossByNoise).toBeUndefined();
    expect(run.events.map((e) => e.event)).toEqual(['sample', 'eval', 'sample', 'eval', 'sample', 'eval', 'something-new']);
    expect(run.images.map((i) => `${i.kind}@${i.step}`)).toEqual(['grid@100', 'grid@200', 'completion@300', 'grid@300']);
    expect(run.images.find((i) => i.kind === 'completion')).toMatchObject({ width: 84, height: 84 });
    expect(run.probe?.sweep).toHaveLength(16);
    expect(run.probe?.best).toMatchObject({ layer: 4, pooling: 'mean', attention: 'full' });
    expect(run.reference?.name).toBe('digits-diffusion');
    expect(run.finetune?.epochs).toHaveLength(4);
    expect((run.config?.train as { note: string }).note).toBe(HOSTILE);
    expect(run.state?.wallSeconds).toBe(126.4);
  });

  it('reports malformed lines, broken images and escaping sample paths as warnings, not errors', async () => {
    const dir = join(root, 'damaged');
    await mkdir(join(dir, 'samples'), { recursive: true });
    await writeFile(join(dir, 'metrics.jsonl'), '{"step":1,"loss":0.5}\n{"step":2,"loss":0.4\n[1,2]\n{"loss":3}\n{"event":"sample","step":2,"file":"../../etc/step-000002.png"}\n');
    await writeFile(join(dir, 'samples', 'step-000002.png'), Buffer.from('not a png'));
    await writeFile(join(dir, 'probe.json'), '{"sweep": [');
    await writeFile(join(dir, 'reference.json'), '{"name": "r", "loss": [[1, "x"]]}');
    const run = await readRunData(dir);
    expect(run.metrics.map((m) => m.step)).toEqual([1]);
    expect(run.images).toEqual([]);
    expect(run.probe).toBeUndefined();
    expect(run.reference).toBeUndefined();
    const text = run.warnings.join('\n');
    expect(text).toMatch(/metrics\.jsonl: line\(s\) 2, 3, 4 are not JSON objects with a numeric "step"/);
    expect(text).toMatch(/outside the run directory/);
    expect(text).toMatch(/samples\/step-000002\.png: is not a valid PNG/);
    expect(text).toMatch(/probe\.json is not valid JSON \(.*\)\. It was ignored\./);
    expect(text).toMatch(/reference\.json is damaged: loss\.0\.1: .*\. It was ignored\./);
    const html = renderReport(run);
    expect(html).toContain('While reading this run:');
    expect(html).not.toContain('<img');
  });

  it('rejects a missing directory and a directory that is not a run', async () => {
    await expect(readRunData(join(root, 'nope'))).rejects.toThrow(/readRunData: ".*nope" is not a readable directory/);
    const empty = join(root, 'empty');
    await mkdir(empty);
    await expect(readRunData(empty)).rejects.toThrow(/holds neither metrics\.jsonl nor config\.json/);
  });
});

describe('referenceRunOf', () => {
  it('makes a reference run from a finished run directory: thinned loss, probe, fine-tune and notes', async () => {
    const ref = await referenceRunOf(fullDir, 'full', 'extra note');
    expect(ref.loss.length).toBeLessThanOrEqual(200);
    expect(ref.loss[0]).toEqual([1, Number((0.08 + 0.9 * Math.exp(-1 / 60) + 0.01 * Math.sin(1.7)).toPrecision(5))]);
    expect(ref.loss.at(-1)![0]).toBe(300);
    expect(ref.probe).toEqual({ testAccuracy: 0.912, rawPixels: 0.855 });
    expect(ref.finetune).toEqual({ testAccuracy: 0.96 });
    expect(ref.notes).toMatch(/^Full-mode run of 300 steps × 64 images, seed 7; .*backend wasm \(simd on\), tfjs-core 4\.22\.0.*; fine-tuned test accuracy 0\.96; extra note$/);
  });

  it('refuses a run directory without a committed checkpoint, as a user error', async () => {
    const err = await referenceRunOf(minimalDir, 'minimal').catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/has no readable committed checkpoint/);
  });
});

describe('writeReport / renderReport', () => {
  let html: string;
  let path: string;

  beforeAll(async () => {
    path = await writeReport(fullDir);
    html = await readFile(path, 'utf8');
  });

  it('writes report.html into the run directory with every section and chart', () => {
    expect(path).toBe(join(fullDir, 'report.html'));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(sectionIds(html)).toEqual(['training', 'struggles', 'representation', 'samples', 'evaluations', 'setup']);
    expect(canvasIds(html)).toEqual(
      ['finetune', 'grad-norm', 'loss', 'loss-by-noise', 'loss-by-noise-over-time', 'loss-by-row', 'loss-by-row-over-time', 'lr', 'probe', 'throughput'].sort(),
    );
    expect(Object.keys(chartJson(html)).sort()).toEqual(canvasIds(html));
    for (const label of ['wall time', 'final loss', 'linear probe (best)', 'kNN (k=20)', 'images / s']) expect(html).toContain(label);
    expect(html).toContain('2m 06s');
    expect(html).toContain('91.2%'); // best probe
    expect(html).toContain('raw pixels 85.5%');
    expect(html).toContain('step 100');
    expect(html).toContain('v20.19.0');
    expect(html).toContain('name=wasm, simd=true, threads=1');
  });

  it('inlines everything: Chart.js, styles and every PNG byte for byte; no external or relative reference', () => {
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/sourceMappingURL/);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/);
    const srcs = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    for (const s of srcs) expect(s.startsWith('data:') || s.startsWith('#'), s.slice(0, 40)).toBe(true);
    expect(html).not.toMatch(/(?:src|href)="https?:/);
    const imgs = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)"/g)].map((m) => m[1]!);
    const expected = [...fullPngs.values()].map((b) => b.toString('base64'));
    expect(new Set(imgs)).toEqual(new Set(expected));
    expect(imgs).toHaveLength(fullPngs.size + 1); // + the latest grid in the header
  });

  it('escapes run text in HTML and in the embedded JSON', async () => {
    // Exactly the three script elements of the page close; the hostile </script> in config.json does not.
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; \\&quot;quotes\\&quot;');
    expect(html).toContain('&lt;em&gt;probe&lt;/em&gt;'); // reference notes
    expect(html).toContain('&lt;i&gt;eval&lt;/i&gt;'); // eval event field

    const title = `<b>run</b> </script> "x"`;
    const ref: ReferenceRun = { ...(fixtureReference as unknown as ReferenceRun), name: `</script><b>ref</b>` };
    const p = await writeReport(fullDir, { title, reference: ref });
    const html2 = await readFile(p, 'utf8');
    expect(html2).toContain('<h1>&lt;b&gt;run&lt;/b&gt; &lt;/script&gt; &quot;x&quot;</h1>');
    expect(html2.match(/<\/script>/g)).toHaveLength(3);
    const labels = chartJson(html2).loss!.data.datasets.map((d) => d.label);
    expect(labels).toContain('reference: </script><b>ref</b>'); // JSON.parse gives the exact string back
    await writeReport(fullDir); // restore the plain report for the other tests
  });

  it('draws the reference curve against the loss and shows the reference numbers in the header', () => {
    const loss = chartJson(html).loss!;
    expect(loss.data.datasets.map((d) => d.label)).toEqual(['loss', 'loss, smoothed (centred mean of 11 logs)', 'reference: digits-diffusion']);
    expect(loss.data.datasets[2]!.data).toHaveLength(31);
    expect(html).toMatch(/reference 0\.07\d+ at step 300/);
    expect(html).toContain('reference 90.5%');
  });

  it('a run with only metrics.jsonl and config.json renders the training charts and the setup only', async () => {
    const p = await writeReport(minimalDir);
    const mini = pageText(await readFile(p, 'utf8'));
    expect(sectionIds(mini)).toEqual(['training', 'setup']);
    expect(canvasIds(mini)).toEqual(['grad-norm', 'loss', 'lr', 'throughput']);
    expect(mini).not.toContain('<img');
    expect(mini).not.toContain('linear probe');
    expect(mini).not.toContain('reference');
    expect(mini).toContain('mse objective');
    expect(mini).not.toContain('While reading this run');
  });

  it('a run with only config.json renders without charts', async () => {
    const dir = join(root, 'config-only');
    await mkdir(dir);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model: { objective: 'mse' }, train: { seed: 3 } }));
    const run = await readRunData(dir);
    const out = renderReport(run, { chartLibrary: '/* stub */' });
    expect(sectionIds(out)).toEqual(['setup']);
    expect(chartJson(out)).toEqual({});
    expect(out).toContain('<th>seed</th><td>3</td>');
  });

  it('says when the best probe cell loses to raw pixels or random init, and shows a recipe note escaped', async () => {
    const run = await readRunData(minimalDir);
    const verdictOf = (probe: Record<string, unknown>, note?: string) => {
      const file = { ...fixtureProbe, sweep: [], rawPixels: null, ...probe } as unknown as ProbeFile;
      const page = renderReport({ ...run, probe: file }, { chartLibrary: '/* stub */', ...(note === undefined ? {} : { note }) });
      return /<p class="verdict">([^<]*)<\/p>/.exec(page)?.[1];
    };
    const cell = (testAccuracy: number) => ({ layer: 3, pooling: 'mean', attention: 'causal', testAccuracy });
    const losing = verdictOf({ best: cell(0.788), rawPixels: { testAccuracy: 0.811 }, randomInit: cell(0.641) });
    expect(losing).toContain('does not beat raw pixels (81.1%)');
    expect(losing).not.toContain('random init');
    expect(verdictOf({ best: cell(0.6), rawPixels: { testAccuracy: 0.811 }, randomInit: cell(0.6) })).toContain('raw pixels (81.1%) or the same network at random init (60.0%)');
    expect(verdictOf({ best: cell(0.9), rawPixels: { testAccuracy: 0.811 }, randomInit: cell(0.641) })).toBeUndefined();
    expect(verdictOf({ best: cell(0.9) })).toBeUndefined(); // no baseline, nothing to say
    expect(verdictOf({ best: cell(0.9), rawPixels: { testAccuracy: 0.811 } }, 'run <b>this</b> instead')).toBe('run &lt;b&gt;this&lt;/b&gt; instead');
  });

  it('rejects a malformed reference passed from code', async () => {
    await expect(writeReport(minimalDir, { reference: { name: 'x', loss: [[1]] } as unknown as ReferenceRun })).rejects.toThrow(
      /writeReport: options\.reference: loss\.0: .*A reference run is \{ "name": string, "loss": \[\[step, loss\]/,
    );
  });
});

describe('charts', () => {
  it('highlights the best probe cell and draws the raw-pixel baseline', async () => {
    const charts = buildCharts(await readRunData(fullDir));
    const probe = charts.probe!.config.data as { labels: string[]; datasets: { label: string; type: string; data: (number | null)[]; borderWidth: number | number[] }[] };
    expect(probe.labels).toEqual(['layer 1', 'layer 2', 'layer 3', 'layer 4']);
    const bars = probe.datasets.filter((d) => d.type === 'bar');
    expect(bars.map((d) => d.label)).toEqual(['mean \u00b7 causal', 'mean \u00b7 full', 'last \u00b7 causal', 'last \u00b7 full']);
    const outlined = bars.flatMap((d) => (d.borderWidth as number[]).map((w, i) => (w > 0 ? `${d.label}@${i}` : null)).filter(Boolean));
    expect(outlined).toEqual(['mean \u00b7 full@3']);
    const raw = probe.datasets.find((d) => d.label.startsWith('raw pixels'))!;
    expect(raw.type).toBe('line');
    expect(raw.data).toEqual([0.855, 0.855, 0.855, 0.855]);
    expect(charts.lossByNoise!.caption).toBe('mean diffusion loss per \u03b3 bin at step 300 (40\u201349 patches per bin)');
  });

  it('a long run is thinned in the page; accuracies at 0 and 1 and empty bins still give finite axes', async () => {
    const dir = join(root, 'long');
    await mkdir(dir);
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      JSON.stringify({ step: i + 1, loss: 1 / (i + 1), lr: 1e-3, lossByNoise: i % 1000 === 0 ? [{ lo: 0, hi: 1, loss: null, count: 0 }] : undefined }),
    );
    await writeFile(join(dir, 'metrics.jsonl'), lines.join('\n'));
    // Accuracies at both ends of [0, 1]: the axis stays within them.
    const cell = (testAccuracy: number) => ({ ...fixtureProbe.sweep[0]!, layer: 1, testAccuracy, valAccuracy: testAccuracy });
    await writeFile(join(dir, 'probe.json'), JSON.stringify({ ...fixtureProbe, sweep: [cell(0), { ...cell(1), attention: 'full' }], rawPixels: null }));
    const html = renderReport(await readRunData(dir));
    const charts = chartJson(html);
    const loss = charts.loss!.data.datasets;
    expect(loss[0]!.data.length).toBeLessThanOrEqual(4000);
    expect(loss[0]!.data[0]).toEqual({ x: 1, y: 1 }); // the maximum of the first bucket survives
    expect(html.length).toBeLessThan(1_000_000);
    const scales = (id: string) => (charts[id] as unknown as { options: { scales: Record<string, { min?: number; max?: number }> } }).options.scales;
    expect(scales('probe').y).toMatchObject({ min: 0, max: 1 });
    expect(scales('loss-by-noise-over-time').x!.min).toBeUndefined();
    expect(pageText(html)).not.toMatch(/Infinity|NaN/);
  });

  it('thinSeries keeps every extreme and at most max points; smoothSeries of a line is the line', () => {
    const pts = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: i === 1234 ? 100 : i === 7777 ? -50 : Math.sin(i) }));
    const thin = thinSeries(pts, 1000);
    expect(thin.length).toBeLessThanOrEqual(1000);
    expect(thin.some((p) => p.y === 100)).toBe(true);
    expect(thin.some((p) => p.y === -50)).toBe(true);
    expect(thin.every((p, i) => i === 0 || p.x > thin[i - 1]!.x)).toBe(true);
    expect(thinSeries(pts.slice(0, 10), 1000)).toEqual(pts.slice(0, 10));
    const line = Array.from({ length: 50 }, (_, i) => ({ x: i, y: 3 }));
    expect(smoothSeries(line, 7)).toEqual(line);
    // A centred window of 3 on a ramp is the ramp, except at the ends (one-sided averages).
    const ramp = Array.from({ length: 5 }, (_, i) => ({ x: i, y: i }));
    expect(smoothSeries(ramp, 3).map((p) => p.y)).toEqual([0.5, 1, 2, 3, 3.5]);
  });

  it('referenceLossAt interpolates linearly and clamps to the ends', () => {
    const ref: ReferenceRun = { name: 'r', loss: [[0, 1], [10, 0.5], [20, 0.3]] };
    expect(referenceLossAt(ref, 5)).toEqual({ step: 5, loss: 0.75 });
    expect(referenceLossAt(ref, 15)!.loss).toBeCloseTo(0.4, 12);
    expect(referenceLossAt(ref, 50)).toEqual({ step: 20, loss: 0.3 });
    expect(referenceLossAt(ref, -1)).toEqual({ step: 0, loss: 1 });
    expect(referenceLossAt({ name: 'e', loss: [] }, 3)).toBeUndefined();
  });
});

describe('escaping and formatting', () => {
  it('escapeHtml escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('jsonForScript output has no <, >, & or line separators and parses back to the same value', () => {
    const value = { s: '</script><!-- & \u2028\u2029 -->', n: [1, 2.5], nan: Number.NaN };
    const out = jsonForScript(value);
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual({ s: value.s, n: [1, 2.5], nan: null });
  });

  it('scriptSafe breaks </script and <!-- without changing what the JavaScript means', () => {
    const src = 'var a = "</script>"; var b = "<!--";';
    const safe = scriptSafe(src);
    expect(safe).not.toMatch(/<\/script|<!--/i);
    expect(new Function(`${safe}; return [a, b];`)()).toEqual(['</script>', '<!--']);
  });

  it('formats numbers, percentages and durations', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(123456.7)).toBe('123500');
    expect(formatNumber(3e-7)).toBe('3e-7');
    expect(formatNumber(undefined)).toBe('\u2014');
    expect(formatPercent(0.9312)).toBe('93.1%');
    expect(formatDuration(12.34)).toBe('12.3s');
    expect(formatDuration(187)).toBe('3m 07s');
    expect(formatDuration(3725)).toBe('1h 02m');
  });
});
