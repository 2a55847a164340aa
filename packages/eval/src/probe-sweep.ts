/**
 * The linear-probe sweep: every layer × pooling × readout attention of a feature extractor, probed from cached
 * features, plus the raw-pixel baseline (the same probe on flattened pixels) in the same run, and optionally a
 * control extractor — the same architecture at random init — probed cell by cell under the identical protocol (same
 * layer, pooling, attention, solver, split). Wide readouts of an untrained network already beat pixels, so the
 * control, not the pixels, is what pretraining has to beat. The best cell is chosen by held-out validation accuracy
 * on the training set, never by test accuracy.
 *
 * @module
 */
import { READOUT_ATTENTIONS, type FeatureExtractor, type ReadoutAttention } from './feature-extractor.js';
import { extractFeatures, type FeatureCache } from './extract-features.js';
import { featureMatrix, type FeatureMatrix } from './feature-matrix.js';
import { DEFAULT_PIXEL_SCALE, pixelLookupTable, readImages, type ImageDataset, type PixelScale } from '@darl/patch-data';
import { classLabels } from './dataset-reads.js';
import { DEFAULT_LINEAR_PROBE, linearProbe, type LinearProbeConfig } from './linear-probe.js';
import type { ClassificationMetrics } from './metrics.js';
import { POOLINGS, type Pooling } from './pooling.js';

/** One probed readout. */
export interface ProbeSweepCell {
  /** Layer read (0 = embedded patch tokens). */
  readonly layer: number;
  /** Pooling of the layer's tokens. */
  readonly pooling: Pooling;
  /** Attention pattern of the readout pass. */
  readonly attention: ReadoutAttention;
  /** Feature width of the readout. */
  readonly dim: number;
  /** Weight decay chosen on the held-out split. */
  readonly weightDecay: number;
  /** Held-out top-1 (the selection score). */
  readonly valTop1: number;
  /** Test top-1 of the probe retrained on the whole training set. */
  readonly testTop1: number;
  /** Full test metrics. */
  readonly test: ClassificationMetrics;
  /** Seconds spent probing this cell (standardising, weight-decay selection, retraining, scoring). */
  readonly seconds: number;
  /** The control extractor's probe on the same cell (when a control is given). */
  readonly control?: {
    /** Weight decay chosen for the control on the held-out split. */
    readonly weightDecay: number;
    /** The control's held-out top-1. */
    readonly valTop1: number;
    /** The control's test top-1. */
    readonly testTop1: number;
    /** Seconds spent probing the control on this cell. */
    readonly seconds: number;
  };
}

/** The control's best cell. */
export type ControlBest = Pick<ProbeSweepCell, 'layer' | 'pooling' | 'attention' | 'dim' | 'weightDecay' | 'valTop1' | 'testTop1'>;

/** The raw-pixel baseline: the linear probe on flattened, normalised pixels. */
export interface PixelBaseline {
  /** Pixels per image (H·W·C), the probe's input width. */
  readonly dim: number;
  /** Weight decay chosen on the held-out split. */
  readonly weightDecay: number;
  /** Held-out top-1 (the selection score). */
  readonly valTop1: number;
  /** Test top-1 of the probe retrained on the whole training set. */
  readonly testTop1: number;
  /** Full test metrics. */
  readonly test: ClassificationMetrics;
  /** Seconds spent on the baseline. */
  readonly seconds: number;
}

/** What {@link probeSweep} returns (JSON-serialisable). */
export interface ProbeSweepResult {
  /** Cells in the order attention → layer → pooling. */
  readonly cells: ProbeSweepCell[];
  /** The cell with the highest held-out top-1 (ties: the first in `cells`). */
  readonly best: ProbeSweepCell;
  /** The raw-pixel baseline, or null when `pixelBaseline` was false. */
  readonly pixels: PixelBaseline | null;
  /** Classes K. */
  readonly numClasses: number;
  /** Training images. */
  readonly trainSize: number;
  /** Test images. */
  readonly testSize: number;
  /** The control's cell with the highest held-out top-1 (chosen on its own, like `best`), when a control is given. */
  readonly bestControl: ControlBest | null;
  /** The solver of every probe in the sweep. */
  readonly solver: string;
  /** Wall-clock seconds: feature extraction (all modes, train + test; control included), probing the cells (control included), the pixel baseline. */
  readonly seconds: {
    /** Feature extraction. */
    readonly extraction: number;
    /** Probing the cells. */
    readonly probes: number;
    /** The pixel baseline. */
    readonly pixels: number;
    /** The whole sweep. */
    readonly total: number;
  };
}

/** Options of {@link probeSweep}. */
export interface ProbeSweepOptions {
  /** Labelled images the probes are fitted on (their held-out split chooses the weight decay). */
  readonly train: ImageDataset;
  /** Labelled images the probes are scored on. */
  readonly test: ImageDataset;
  /** Number of classes (default: largest label in train or test + 1). */
  readonly numClasses?: number;
  /** Layers to probe (default all: 0 … numLayers − 1). */
  readonly layers?: readonly number[];
  /** Poolings (default mean, last, concat). */
  readonly poolings?: readonly Pooling[];
  /** Readout attentions (default causal, full). */
  readonly attentions?: readonly ReadoutAttention[];
  /** Linear-probe settings (see {@link LinearProbeConfig}). */
  readonly probe?: Partial<LinearProbeConfig>;
  /** Images per backbone pass (default 64). */
  readonly batchSize?: number;
  /** Pixel normalisation for the backbone and the pixel baseline (default `minus-one-one`). */
  readonly scale?: PixelScale;
  /** The same architecture at random init (or any other control), probed on every cell with the same protocol. */
  readonly control?: FeatureExtractor;
  /** Also probe raw pixels (default true). */
  readonly pixelBaseline?: boolean;
  /** Progress messages (one line each). */
  readonly onProgress?: (message: string) => void;
}

const now = (): number => performance.now() / 1000;

/**
 * Flattened, normalised pixels of every image, `[N, H·W·C]`.
 */
export function pixelFeatures(source: ImageDataset, scale: PixelScale = DEFAULT_PIXEL_SCALE): FeatureMatrix {
  const per = source.height * source.width * source.channels;
  const bytes = readImages(source, Int32Array.from({ length: source.size }, (_, i) => i));
  const lut = pixelLookupTable(scale, source.channels);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = lut[(i % source.channels) * 256 + bytes[i]!]!;
  return featureMatrix(out, source.size, per, 'pixelFeatures');
}

/**
 * Probes every cached readout present in both caches (same layer, pooling, attention).
 *
 * @returns one cell per readout, in the caches' order
 */
export async function probeCachedFeatures(
  train: FeatureCache,
  trainLabels: Int32Array,
  test: FeatureCache,
  testLabels: Int32Array,
  numClasses: number,
  probe: Partial<LinearProbeConfig> = {},
  onCell?: (cell: ProbeSweepCell) => void,
): Promise<ProbeSweepCell[]> {
  const cells: ProbeSweepCell[] = [];
  for (const e of train.entries) {
    const t0 = now();
    const testEntry = test.get(e.layer, e.pooling, e.attention);
    const r = await linearProbe({ features: e.features, labels: trainLabels }, { features: testEntry.features, labels: testLabels }, numClasses, probe);
    const cell: ProbeSweepCell = {
      layer: e.layer,
      pooling: e.pooling,
      attention: e.attention,
      dim: e.features.dim,
      weightDecay: r.weightDecay,
      valTop1: r.valTop1,
      testTop1: r.test.top1,
      test: r.test,
      seconds: now() - t0,
    };
    cells.push(cell);
    onCell?.(cell);
  }
  return cells;
}

/**
 * Runs the sweep: for each readout attention, extracts all requested layers of train and test once (one backbone
 * pass per batch), caches every pooling, probes every cell, frees the cache; then probes raw pixels.
 */
export async function probeSweep(extractor: FeatureExtractor, opts: ProbeSweepOptions): Promise<ProbeSweepResult> {
  const where = 'probeSweep';
  const t0 = now();
  const trainLabels = classLabels(opts.train, `${where} (train)`);
  const testLabels = classLabels(opts.test, `${where} (test)`);
  let maxLabel = 0;
  for (const y of trainLabels) maxLabel = Math.max(maxLabel, y);
  for (const y of testLabels) maxLabel = Math.max(maxLabel, y);
  const numClasses = opts.numClasses ?? maxLabel + 1;
  const layers = opts.layers ?? Array.from({ length: extractor.numLayers }, (_, i) => i);
  const poolings = opts.poolings ?? POOLINGS;
  const attentions = opts.attentions ?? READOUT_ATTENTIONS;
  if (attentions.length === 0 || poolings.length === 0 || layers.length === 0) {
    throw new Error(`${where}: layers, poolings and attentions must each name at least one value.`);
  }
  const log = opts.onProgress ?? ((): void => undefined);
  const cells: ProbeSweepCell[] = [];
  let extraction = 0;
  let probes = 0;
  for (const attention of attentions) {
    const e0 = now();
    const common = { layers, poolings, attentions: [attention], ...(opts.batchSize ? { batchSize: opts.batchSize } : {}), ...(opts.scale ? { scale: opts.scale } : {}) };
    const trainCache = await extractFeatures(extractor, opts.train, common);
    const testCache = await extractFeatures(extractor, opts.test, common);
    const control = opts.control
      ? { train: await extractFeatures(opts.control, opts.train, common), test: await extractFeatures(opts.control, opts.test, common) }
      : null;
    extraction += now() - e0;
    log(`${where}: extracted ${attention}-attention features of ${layers.length} layer(s)${control ? ' (and the control)' : ''} in ${(now() - e0).toFixed(1)} s`);
    const p0 = now();
    const learned = await probeCachedFeatures(trainCache, trainLabels, testCache, testLabels, numClasses, opts.probe);
    const controlCells = control ? await probeCachedFeatures(control.train, trainLabels, control.test, testLabels, numClasses, opts.probe) : null;
    learned.forEach((c, i) => {
      const k = controlCells?.[i];
      const cell: ProbeSweepCell = k
        ? { ...c, control: { weightDecay: k.weightDecay, valTop1: k.valTop1, testTop1: k.testTop1, seconds: k.seconds } }
        : c;
      cells.push(cell);
      const ctl = k ? `; control val ${(100 * k.valTop1).toFixed(2)} %, test ${(100 * k.testTop1).toFixed(2)} %` : '';
      log(`${where}: layer ${c.layer} ${c.pooling} ${c.attention}: val ${(100 * c.valTop1).toFixed(2)} %, test ${(100 * c.testTop1).toFixed(2)} % (${c.seconds.toFixed(1)} s)${ctl}`);
    });
    probes += now() - p0;
  }
  let pixels: PixelBaseline | null = null;
  const x0 = now();
  if (opts.pixelBaseline ?? true) {
    const r = await linearProbe(
      { features: pixelFeatures(opts.train, opts.scale), labels: trainLabels },
      { features: pixelFeatures(opts.test, opts.scale), labels: testLabels },
      numClasses,
      opts.probe,
    );
    pixels = {
      dim: r.classifier.dim,
      weightDecay: r.weightDecay,
      valTop1: r.valTop1,
      testTop1: r.test.top1,
      test: r.test,
      seconds: now() - x0,
    };
    log(`${where}: raw pixels: val ${(100 * r.valTop1).toFixed(2)} %, test ${(100 * r.test.top1).toFixed(2)} %`);
  }
  const pixelSeconds = now() - x0;
  const best = cells.reduce((b, c) => (c.valTop1 > b.valTop1 ? c : b));
  const controlled = cells.filter((c) => c.control);
  const bestControl = controlled.length
    ? controlled.reduce((b, c) => (c.control!.valTop1 > b.control!.valTop1 ? c : b))
    : null;
  return {
    cells,
    best,
    bestControl: bestControl
      ? {
          layer: bestControl.layer,
          pooling: bestControl.pooling,
          attention: bestControl.attention,
          dim: bestControl.dim,
          weightDecay: bestControl.control!.weightDecay,
          valTop1: bestControl.control!.valTop1,
          testTop1: bestControl.control!.testTop1,
        }
      : null,
    solver: opts.probe?.solver ?? DEFAULT_LINEAR_PROBE.solver,
    pixels,
    numClasses,
    trainSize: opts.train.size,
    testSize: opts.test.size,
    seconds: { extraction, probes, pixels: pixelSeconds, total: now() - t0 },
  };
}

/**
 * The sweep as a Markdown table: one row per cell (the best cell marked), the random-init control's numbers on the
 * same cell beside it when present, the pixel baseline last.
 */
export function formatProbeSweep(result: ProbeSweepResult): string {
  const pct = (x: number): string => (100 * x).toFixed(2);
  const withControl = result.cells.some((c) => c.control);
  const head = ['layer', 'pooling', 'attention', 'dim', 'regularisation', 'val top-1 %', 'test top-1 %', ...(withControl ? ['control val %', 'control test %', 'gain (test)'] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 1 || i === 2 ? '---' : '---:')).join('|')}|`];
  for (const c of result.cells) {
    const mark = c === result.best ? ' **best (val)**' : '';
    const ctl = withControl
      ? c.control
        ? [pct(c.control.valTop1), pct(c.control.testTop1), `${c.testTop1 >= c.control.testTop1 ? '+' : ''}${pct(c.testTop1 - c.control.testTop1)}`]
        : ['—', '—', '—']
      : [];
    lines.push(`| ${[c.layer, c.pooling, c.attention, c.dim, c.weightDecay, pct(c.valTop1), `${pct(c.testTop1)}${mark}`, ...ctl].join(' | ')} |`);
  }
  if (result.pixels) {
    const p = result.pixels;
    lines.push(`| ${['pixels', '—', '—', p.dim, p.weightDecay, pct(p.valTop1), pct(p.testTop1), ...(withControl ? ['—', '—', '—'] : [])].join(' | ')} |`);
  }
  return lines.join('\n');
}
