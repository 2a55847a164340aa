/**
 * The GPU benchmark's table: darl on webgpu against PyTorch on the same device (fp32 eager and torch.compile), the
 * ratio darl ÷ PyTorch eager per figure (> 1: darl is slower), achieved TFLOP/s, WebGPU dispatches per call, the
 * twin's distributed steps, and the targets.
 */

/** One measured figure, as both systems report it (`error` where it failed or was skipped). */
export interface FigureResult {
  readonly ms?: number;
  readonly reps?: number;
  readonly dispatches?: number;
  readonly gflop?: number;
  readonly error?: string;
}
type Figures = Readonly<Record<string, FigureResult>>;

export interface DarlResult {
  readonly figures: Figures;
  readonly adapter?: unknown;
  readonly error?: string;
}
export interface DistributedResult {
  readonly ok: boolean;
  readonly steps?: number;
  readonly images_per_sec?: number | null;
  readonly backend?: string;
  readonly error?: string;
}
export interface TorchResult {
  readonly eager?: Figures;
  readonly compile?: Figures | { readonly error: string };
  readonly distributed?: Readonly<Record<string, DistributedResult>>;
  readonly gpu?: string | null;
  readonly version?: string;
  readonly error?: string;
}

/** Figures in table order, with their labels. */
export const FIGURES: readonly (readonly [string, string])[] = [
  ['train_reference', 'reference training step (ms)'],
  ['train_vit_s', 'ViT-S training step (ms)'],
  ['features', 'feature extraction (ms per batch)'],
  ['gen_mse', 'generate 1 image, MSE (ms)'],
  ['gen_diffusion', 'generate 1 image, diffusion DDIM (ms)'],
];

/** The targets on an H100: darl ÷ PyTorch eager for two steps, and darl GPU over darl native (2 cores). */
export const TARGETS = { vitSRatio: 3, referenceRatio: 4, speedupOverNative: 20 } as const;

export interface Ratios {
  /** darl ÷ PyTorch eager per figure (time ÷ time). */
  readonly overEager: Record<string, number>;
  /** darl ÷ PyTorch torch.compile per figure. */
  readonly overCompile: Record<string, number>;
  /** darl native ViT-S ms (wall, measured on the shared 2-core machine) ÷ darl webgpu ViT-S ms. */
  readonly vitSSpeedupOverNative?: number;
  /** The same with native's idle estimate (process CPU time ÷ its threads), which the machine's load does not inflate. */
  readonly vitSSpeedupOverNativeIdle?: number;
}

/** darl native's ViT-S step from `bench/gpu/reference-cpu.json`: wall ms and the idle estimate, per 256 images. */
export interface NativeVitS {
  readonly wallMs?: number;
  readonly idleMs?: number;
}

const ms = (f: FigureResult | undefined): number | undefined => (f?.ms !== undefined && Number.isFinite(f.ms) ? f.ms : undefined);

function compileFigures(t: TorchResult): Figures {
  const c = t.compile;
  return c && !('error' in c && typeof c.error === 'string') ? (c as Figures) : {};
}

export function ratios(darl: DarlResult, torch: TorchResult, native: NativeVitS = {}): Ratios {
  const overEager: Record<string, number> = {};
  const overCompile: Record<string, number> = {};
  for (const [key] of FIGURES) {
    const d = ms(darl.figures[key]);
    const e = ms(torch.eager?.[key]);
    const c = ms(compileFigures(torch)[key]);
    if (d !== undefined && e !== undefined) overEager[key] = d / e;
    if (d !== undefined && c !== undefined) overCompile[key] = d / c;
  }
  const v = ms(darl.figures.train_vit_s);
  return {
    overEager,
    overCompile,
    ...(v !== undefined && native.wallMs !== undefined ? { vitSSpeedupOverNative: native.wallMs / v } : {}),
    ...(v !== undefined && native.idleMs !== undefined ? { vitSSpeedupOverNativeIdle: native.idleMs / v } : {}),
  };
}

function fmt(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function cell(f: FigureResult | undefined, value: (f: FigureResult) => number | undefined, digits: number): string {
  if (f === undefined) return '—';
  if (f.error !== undefined) return 'failed';
  return fmt(value(f), digits);
}

function align(table: string[][]): string[] {
  const widths = (table[0] as string[]).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const lines = table.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines;
}

const times = (v: number | undefined): string => (v === undefined ? '—' : `${fmt(v, 2)}×`);
const tflops = (f: FigureResult): number | undefined => (f.gflop !== undefined && f.ms ? f.gflop / 1000 / (f.ms / 1000) : undefined);

/** The main table: per figure the three systems' times, TFLOP/s where counted, dispatches, and the two ratios. */
export function figureTable(darl: DarlResult, torch: TorchResult, r: Ratios): string[] {
  const compiled = compileFigures(torch);
  const table: string[][] = [['figure', 'darl webgpu', 'PyTorch eager', 'PyTorch compile', 'darl ÷ eager', 'darl ÷ compile']];
  for (const [key, label] of FIGURES) {
    const d = darl.figures[key];
    const e = torch.eager?.[key];
    const c = compiled[key];
    table.push([label, cell(d, ms, 1), cell(e, ms, 1), cell(c, ms, 1), times(r.overEager[key]), times(r.overCompile[key])]);
    if (d?.gflop !== undefined || e?.gflop !== undefined) {
      table.push([`  achieved TFLOP/s`, cell(d, tflops, 2), cell(e, tflops, 2), cell(c, tflops, 2), '', '']);
    }
    if (d?.dispatches !== undefined) table.push([`  WebGPU dispatches per call`, fmt(d.dispatches, 0), '', '', '', '']);
  }
  return align(table);
}

/** Lines on the twin's distributed steps, the targets, and the figures that failed. */
export function summaryLines(darl: DarlResult, torch: TorchResult, r: Ratios): string[] {
  const out: string[] = [];
  for (const [name, d] of Object.entries(torch.distributed ?? {})) {
    out.push(
      d.ok
        ? `twin ${name} (${d.backend}, world size 1): ${d.steps} steps ran, ${fmt(d.images_per_sec ?? undefined, 0)} images/s`
        : `twin ${name} (${d.backend ?? '?'}): FAILED — ${d.error ?? 'no error text'}`,
    );
  }
  if (torch.distributed === undefined) out.push('twin DDP/FSDP: not run (no --run-dir)');
  const check = (name: string, v: number | undefined, target: number, better: 'below' | 'above'): string =>
    `${name}: ${times(v)} (target ${better === 'below' ? '≤' : '≥'} ${target}×) ${v === undefined ? 'not measured' : (better === 'below' ? v <= target : v >= target) ? 'met' : 'NOT met'}`;
  out.push(check('target ViT-S step, darl ÷ PyTorch eager', r.overEager.train_vit_s, TARGETS.vitSRatio, 'below'));
  out.push(check('target reference step, darl ÷ PyTorch eager', r.overEager.train_reference, TARGETS.referenceRatio, 'below'));
  out.push(check('target ViT-S step, darl webgpu speed-up over darl native (2 cores)', r.vitSSpeedupOverNative, TARGETS.speedupOverNative, 'above'));
  out.push(check('  the same over native\'s idle estimate (CPU time; load-independent)', r.vitSSpeedupOverNativeIdle, TARGETS.speedupOverNative, 'above'));
  const failures = [
    ...Object.entries(darl.figures).map(([k, f]) => [`darl ${k}`, f.error] as const),
    ...Object.entries(torch.eager ?? {}).map(([k, f]) => [`PyTorch eager ${k}`, f.error] as const),
    ...Object.entries(compileFigures(torch)).map(([k, f]) => [`PyTorch compile ${k}`, f.error] as const),
  ].filter(([, e]) => e !== undefined);
  for (const [k, e] of failures) out.push(`${k}: ${e}`);
  const compileError = torch.compile && 'error' in torch.compile ? torch.compile.error : undefined;
  if (typeof compileError === 'string') out.push(`PyTorch compile: ${compileError}`);
  if (darl.error) out.push(`darl webgpu: FAILED — ${darl.error}`);
  if (torch.error) out.push(`PyTorch: FAILED — ${torch.error}`);
  return out;
}
