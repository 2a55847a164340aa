/**
 * The replication's tables from the run rows: per setting (mean ± std over seeds, steps, wall time) and per claim
 * (paired effect ± standard error over seeds, verdict), as text lines and as an HTML page.
 */
import { comparePairedClaim, meanStd, type ClaimVerdict } from '@darl/eval';
import { CLAIMS, halfKey, type Claim, type Setting } from './settings.js';
import type { RunRow } from './run-one.js';

/** One row of the per-setting table. */
export interface SettingRow {
  readonly setting: string;
  readonly position: string;
  readonly objective: string;
  readonly noise: string;
  readonly patchSize: number;
  readonly seeds: number;
  readonly steps: number;
  readonly probeMean: number;
  readonly probeStd: number;
  readonly halfMean: number | null;
  readonly trainSecondsMean: number;
  readonly probeSecondsMean: number;
}

/** A claim with its verdict and the seeds it paired. */
export type ClaimRow = Claim & ClaimVerdict & { readonly seeds: number[] };

const noiseName = (s: Setting): string => (s.noise ? (s.noise.kind === 'beta' ? `Beta(${s.noise.a}, ${s.noise.b})` : `${s.noise.schedule}`) : '—');
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function settingRows(settings: readonly Setting[], runs: readonly RunRow[]): SettingRow[] {
  return settings.flatMap((s) => {
    const mine = runs.filter((r) => r.setting === s.name);
    if (!mine.length) return [];
    const { mean: probeMean, std: probeStd } = meanStd(mine.map((r) => r.probe[s.name]!));
    const halves = mine.map((r) => r.probe[halfKey(s.name)]).filter((x): x is number => x !== undefined);
    return [{
      setting: s.name,
      position: s.position,
      objective: s.objective,
      noise: noiseName(s),
      patchSize: s.patchSize,
      seeds: mine.length,
      steps: mean(mine.map((r) => r.steps)),
      probeMean,
      probeStd,
      halfMean: halves.length ? mean(halves) : null,
      trainSecondsMean: mean(mine.map((r) => r.trainSeconds)),
      probeSecondsMean: mean(mine.map((r) => r.probeSeconds)),
    }];
  });
}

/** Each claim whose scores exist, judged on the seeds that every one of its scores has (paired by seed). */
export function claimRows(runs: readonly RunRow[]): ClaimRow[] {
  const score = (key: string, seed: number): number | undefined => runs.find((r) => r.seed === seed && key in r.probe)?.probe[key];
  return CLAIMS.flatMap((c) => {
    const keys = [c.better, c.worse, ...(c.minus ?? [])];
    const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b).filter((seed) => keys.every((k) => score(k, seed) !== undefined));
    if (!seeds.length) return [];
    const of = (k: string): number[] => seeds.map((seed) => score(k, seed)!);
    return [{ ...c, ...comparePairedClaim(of(c.better), of(c.worse), c.minus ? [of(c.minus[0]), of(c.minus[1])] : undefined), seeds }];
  });
}

const pct = (x: number): string => (100 * x).toFixed(2);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${pct(x)}`;

/** The two tables as text lines. */
export function tableLines(rows: readonly SettingRow[], claims: readonly ClaimRow[]): string[] {
  const pad = (s: string, n: number): string => s.padEnd(n);
  const lines = [
    `${pad('setting', 20)} ${pad('position', 8)} ${pad('objective', 9)} ${pad('noise', 11)} ${pad('patch', 5)} ${pad('seeds', 5)} ${pad('steps', 6)} ${pad('probe % (mean ± std)', 21)} ${pad('at half', 8)} train s  probe s`,
    ...rows.map(
      (r) =>
        `${pad(r.setting, 20)} ${pad(r.position, 8)} ${pad(r.objective, 9)} ${pad(r.noise, 11)} ${pad(String(r.patchSize), 5)} ${pad(String(r.seeds), 5)} ${pad(r.steps.toFixed(0), 6)} ` +
        `${pad(`${pct(r.probeMean)} ± ${pct(r.probeStd)}`, 21)} ${pad(r.halfMean === null ? '—' : pct(r.halfMean), 8)} ${pad(r.trainSecondsMean.toFixed(0), 8)} ${r.probeSecondsMean.toFixed(0)}`,
    ),
    '',
    `${pad('claim', 66)} ${pad('paired effect (points)', 23)} verdict`,
    ...claims.map((c) => `${pad(c.claim, 66)} ${pad(`${signed(c.difference)} ± ${Number.isNaN(c.standardError) ? '?' : pct(c.standardError)}`, 23)} ${c.verdict}: ${c.why} (seeds ${c.seeds.join(', ')})`),
  ];
  return lines;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A self-contained HTML page of both tables, with links to every run's own report. */
export function reportHtml(title: string, header: string[], rows: readonly SettingRow[], claims: readonly ClaimRow[], runs: readonly RunRow[], out: string): string {
  const td = (cells: string[]): string => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  const th = (cells: string[]): string => `<tr>${cells.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const rel = (dir: string): string => `${dir.startsWith(out) ? dir.slice(out.length + 1) : dir}/report.html`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}</style></head><body>
<h1>${esc(title)}</h1>${header.map((h) => `<p>${esc(h)}</p>`).join('')}
<h2>Settings</h2><table>${th(['setting', 'position', 'objective', 'noise levels', 'patch', 'seeds', 'steps', 'probe % (mean ± std)', 'probe % at half steps', 'train s (mean)', 'probe s (mean)'])}
${rows.map((r) => td([r.setting, r.position, r.objective, r.noise, String(r.patchSize), String(r.seeds), r.steps.toFixed(0), `${pct(r.probeMean)} ± ${pct(r.probeStd)}`, r.halfMean === null ? '—' : pct(r.halfMean), r.trainSecondsMean.toFixed(0), r.probeSecondsMean.toFixed(0)])).join('\n')}</table>
<h2>Claims (paired by seed, verdict at 2 standard errors)</h2><table>${th(['claim', 'paired effect (points)', 'standard error', 'verdict', 'why', 'seeds'])}
${claims.map((c) => td([c.claim, signed(c.difference), Number.isNaN(c.standardError) ? '?' : pct(c.standardError), c.verdict, c.why, c.seeds.join(', ')])).join('\n')}</table>
<h2>Runs</h2><table>${th(['setting', 'seed', 'steps', 'first loss (step)', 'final loss', 'probe %', 'train s', 'train img/s', 'probe s', 'extract img/s'])}
${runs.map((r) => `<tr>${[r.setting, String(r.seed), String(r.steps), `${r.firstLoss.toFixed(4)} (${r.firstLossStep})`, r.finalLoss.toFixed(4), Object.entries(r.probe).map(([k, v]) => `${k} ${pct(v)}`).join('; '), r.trainSeconds.toFixed(0), r.trainImagesPerSecond.toFixed(0), r.probeSeconds.toFixed(0), r.extractImagesPerSecond.toFixed(0)].map((c) => `<td>${esc(c)}</td>`).join('')}<td><a href="${esc(rel(r.runDir))}">report</a></td></tr>`).join('\n')}</table>
</body></html>
`;
}
