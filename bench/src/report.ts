/**
 * The runner's printed report: the main table (every tfjs system, PyTorch's best configuration per figure, the
 * ratios), every PyTorch configuration's figures, and the measured peak. Pure string building.
 */
import { fastestBy } from './peer-configs.js';
import { gflopsOf, percentOfPeak, type Peak, type PeakMeasurement } from './peak.js';

/** One system's figures as its process reported them (times in ms). */
export interface SystemResult {
  system: string;
  train_ms: number;
  train_cpu_ms?: number;
  trainer_ms?: number;
  trainer_ema_ms?: number;
  features_ms_per_256?: number;
  gen_mse_ms: number;
  gen_diffusion_ms: number;
  data_ms_per_256: number;
  sgemm_gflops?: number;
  sgemm_size?: number;
  /** For PyTorch: the configuration's name, thread count and whether the malloc settings were on. */
  config?: string;
  threads?: number;
  malloc?: boolean;
  [key: string]: unknown;
}

/** Time keys a PyTorch configuration is picked by (the fastest per key). */
export type PeerKey = 'train_ms' | 'gen_mse_ms' | 'gen_diffusion_ms' | 'features_ms_per_256' | 'data_ms_per_256';

/** One row of the main table. */
export interface Figure {
  readonly name: string;
  readonly get: (r: SystemResult) => number | undefined;
  readonly digits: number;
  /** true: a time (ratio darl ÷ PyTorch); false: a rate (ratio PyTorch ÷ darl), so > 1 always means darl is slower. */
  readonly timeLike: boolean;
  /** The PyTorch figure this row compares with; the peer's best configuration is picked by it. */
  readonly peerKey: PeerKey;
  /** For rows of darl's trainer: the PyTorch value comes from `train_ms` (the peer's bench step). */
  readonly peerGet?: (r: SystemResult) => number | undefined;
}

const perSecond = (n: number, ms: number | undefined): number | undefined => (ms === undefined ? undefined : (n * 1000) / ms);

/**
 * The rows of the main table.
 * @param o.flops FLOPs of the bench assembly's step; `o.trainerFlops` of the `DarlTrainer` step (one token fewer)
 * @param o.peak the measured 2-thread peak; `o.sgemmPeak` the best 2-thread SGEMM
 */
export function figures(o: { flops: number; trainerFlops: number; batch: number; peak?: Peak; sgemmPeak?: Peak }): Figure[] {
  const { flops, trainerFlops, batch, peak, sgemmPeak } = o;
  const pct = (ms: number | undefined, p: Peak | undefined, f = flops): number | undefined => (ms === undefined ? undefined : percentOfPeak(gflopsOf(f, ms), p));
  const peakName = peak ? `${fmt(peak.gflops, 0)} GFLOP/s measured 2-thread peak` : 'measured peak (not measured)';
  const sgemmName = sgemmPeak ? `${fmt(sgemmPeak.gflops, 0)} GFLOP/s 2-thread SGEMM` : '2-thread SGEMM (not measured)';
  const trainerPeer = (r: SystemResult): number | undefined => r.train_ms;
  return [
    { name: 'train ms/step (bench assembly)', get: (r) => r.train_ms, digits: 0, timeLike: true, peerKey: 'train_ms' },
    { name: 'train CPU ms/step (all threads)', get: (r) => r.train_cpu_ms, digits: 0, timeLike: true, peerKey: 'train_ms' },
    { name: 'train images/s', get: (r) => perSecond(batch, r.train_ms), digits: 0, timeLike: false, peerKey: 'train_ms' },
    { name: 'train GFLOP/s', get: (r) => gflopsOf(flops, r.train_ms), digits: 1, timeLike: false, peerKey: 'train_ms' },
    { name: `train % of ${peakName}`, get: (r) => pct(r.train_ms, peak), digits: 1, timeLike: false, peerKey: 'train_ms' },
    { name: `train % of ${sgemmName}`, get: (r) => pct(r.train_ms, sgemmPeak), digits: 1, timeLike: false, peerKey: 'train_ms' },
    { name: 'DarlTrainer ms/step (reference preset)', get: (r) => r.trainer_ms, digits: 0, timeLike: true, peerKey: 'train_ms', peerGet: trainerPeer },
    { name: 'DarlTrainer ms/step, EMA on', get: (r) => r.trainer_ema_ms, digits: 0, timeLike: true, peerKey: 'train_ms', peerGet: trainerPeer },
    {
      name: 'DarlTrainer GFLOP/s',
      get: (r) => (r.trainer_ms === undefined ? undefined : gflopsOf(trainerFlops, r.trainer_ms)),
      digits: 1,
      timeLike: false,
      peerKey: 'train_ms',
      peerGet: (r) => gflopsOf(flops, r.train_ms),
    },
    {
      name: `DarlTrainer % of ${peakName}`,
      get: (r) => pct(r.trainer_ms, peak, trainerFlops),
      digits: 1,
      timeLike: false,
      peerKey: 'train_ms',
      peerGet: (r) => pct(r.train_ms, peak),
    },
    { name: 'generate 1 image, MSE (ms)', get: (r) => r.gen_mse_ms, digits: 0, timeLike: true, peerKey: 'gen_mse_ms' },
    { name: 'generate 1 image, diffusion 20 DDIM (ms)', get: (r) => r.gen_diffusion_ms, digits: 0, timeLike: true, peerKey: 'gen_diffusion_ms' },
    { name: 'features (backbone fwd), images/s', get: (r) => perSecond(256, r.features_ms_per_256), digits: 0, timeLike: false, peerKey: 'features_ms_per_256' },
    { name: 'data: patchify+normalise, images/s', get: (r) => perSecond(256, r.data_ms_per_256), digits: 0, timeLike: false, peerKey: 'data_ms_per_256' },
  ];
}

/** Number with thousands separators and a fixed number of decimals. */
export function fmt(v: number, digits = 0): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * A text table: numbers right-aligned, the first column (and the last one when `textLast`) left-aligned, a rule
 * under the header.
 */
export function renderTable(table: readonly (readonly string[])[], textLast = false): string {
  const header = table[0] ?? [];
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const left = (i: number): boolean => i === 0 || (textLast && i === header.length - 1);
  const lines = table.map((r) => r.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}

const cell = (v: number | undefined, digits: number): string => (v === undefined || !Number.isFinite(v) ? '—' : fmt(v, digits));

/** darl ÷ PyTorch in the sense "> 1 means darl is slower", or undefined when either value is missing. */
export function ratio(darl: number | undefined, peer: number | undefined, timeLike: boolean): number | undefined {
  if (darl === undefined || peer === undefined || !Number.isFinite(darl) || !Number.isFinite(peer) || darl <= 0 || peer <= 0) return undefined;
  return timeLike ? darl / peer : peer / darl;
}

/** The three references per figure: PyTorch's fastest configuration overall, with 1 thread and with 2 threads. */
export function peerReferences(torch: readonly SystemResult[], key: PeerKey): { best?: SystemResult; one?: SystemResult; two?: SystemResult } {
  return {
    best: fastestBy(torch, key),
    one: fastestBy(torch.filter((r) => r.threads === 1), key),
    two: fastestBy(torch.filter((r) => r.threads === 2), key),
  };
}

/** Ratios and the peer's best configuration of one figure, as written to the results file. */
export interface FigureComparison {
  /** PyTorch's fastest configuration for this figure, by name. */
  readonly bestConfig?: string;
  readonly best?: number;
  readonly oneThread?: number;
  readonly twoThreads?: number;
}

/**
 * The main table: one column per tfjs system, PyTorch's best value and the ratios of the default system (`def`) to
 * PyTorch's best configuration, best 1-thread and best 2-thread configuration, each picked per figure; the last
 * column names the best configuration.
 */
export function mainTable(
  tfjs: readonly SystemResult[],
  torch: readonly SystemResult[],
  def: SystemResult | undefined,
  rows: readonly Figure[],
): { text: string; comparisons: Record<string, FigureComparison> } {
  const header = ['figure', ...tfjs.map((r) => r.system), 'PyTorch best', 'default ÷ best', '÷ best 1 thread', '÷ best 2 threads', 'PyTorch best configuration'];
  const table: string[][] = [header];
  const comparisons: Record<string, FigureComparison> = {};
  for (const f of rows) {
    const refs = peerReferences(torch, f.peerKey);
    const peerValue = (r: SystemResult | undefined): number | undefined => (r ? (f.peerGet ?? f.get)(r) : undefined);
    const mine = def ? f.get(def) : undefined;
    const c: FigureComparison = {
      ...(refs.best?.config ? { bestConfig: refs.best.config } : {}),
      best: ratio(mine, peerValue(refs.best), f.timeLike),
      oneThread: ratio(mine, peerValue(refs.one), f.timeLike),
      twoThreads: ratio(mine, peerValue(refs.two), f.timeLike),
    };
    comparisons[f.name] = c;
    const x = (v: number | undefined): string => (v === undefined ? '—' : `${fmt(v, 2)}×`);
    table.push([
      f.name,
      ...tfjs.map((r) => cell(f.get(r), f.digits)),
      cell(peerValue(refs.best), f.digits),
      x(c.best),
      x(c.oneThread),
      x(c.twoThreads),
      c.bestConfig ?? '—',
    ]);
  }
  return { text: renderTable(table, true), comparisons };
}

/** Every PyTorch configuration's figures, one row each, the fastest per column marked with `*`. */
export function peerTable(torch: readonly SystemResult[]): string {
  const cols: [string, PeerKey, (ms: number) => number, number][] = [
    ['train ms/step', 'train_ms', (ms) => ms, 0],
    ['MSE image ms', 'gen_mse_ms', (ms) => ms, 0],
    ['diffusion image ms', 'gen_diffusion_ms', (ms) => ms, 0],
    ['features images/s', 'features_ms_per_256', (ms) => (256 * 1000) / ms, 0],
    ['data images/s', 'data_ms_per_256', (ms) => (256 * 1000) / ms, 0],
  ];
  const best = cols.map(([, key]) => fastestBy(torch, key));
  const table: string[][] = [['PyTorch configuration', ...cols.map(([name]) => name)]];
  for (const r of torch) {
    const cells = cols.map(([, key, show, digits], i) => {
      const v = r[key];
      return typeof v === 'number' ? `${fmt(show(v), digits)}${best[i] === r ? '*' : ' '}` : '—';
    });
    table.push([r.config ?? r.system, ...cells]);
  }
  return renderTable(table);
}

/** The peak block: every measurement, and the peaks the percentages use. */
export function peakLines(ms: readonly PeakMeasurement[], errors: readonly string[], peak: Peak | undefined, sgemmPeak: Peak | undefined): string {
  const lines = ['measured fp32 peak (this run):'];
  for (const m of ms) {
    const cpu = m.cpuTimeGflops === undefined ? '' : ` (per CPU second of its threads: ${fmt(m.cpuTimeGflops, 1)}, the load-independent estimate)`;
    lines.push(`  ${m.label}, ${m.threads} thread${m.threads > 1 ? 's' : ''}: ${fmt(m.gflops, 1)} GFLOP/s${cpu}`);
  }
  for (const e of errors) lines.push(`  ${e}`);
  lines.push(peak ? `  2-thread peak used for "% of peak": ${fmt(peak.gflops, 1)} GFLOP/s (${peak.label})` : '  2-thread peak: not measured, so no "% of peak"');
  if (sgemmPeak) lines.push(`  best 2-thread SGEMM: ${fmt(sgemmPeak.gflops, 1)} GFLOP/s (${sgemmPeak.label})`);
  return lines.join('\n');
}
