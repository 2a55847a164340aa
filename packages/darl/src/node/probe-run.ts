/**
 * Probing a pretrained run: the linear-probe sweep over layers × pooling × readout attention with the raw-pixel
 * baseline (optionally kNN on the best cell), written to `<run>/probe.json`.
 *
 * @module
 */
import { join } from 'node:path';
import { attentiveProbe, extractFeatures, knnEvaluate, type AttentiveProbeConfig, probeSweep, classLabels, type Pooling, type ProbeSweepResult, type ReadoutAttention } from '@darl/eval';
import { openDataset } from '@darl/patch-data/node';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import { darlFeatureExtractor } from '../model/feature-extractor.js';
import { loadRun } from './load-run.js';
import type { BuildDarlOptions } from '../model/darl-model.js';
import { RunError } from './pretrain.js';
import { writeReport } from './report/index.js';
import { subsetDataset } from './subset.js';

/** The contents of `probe.json`. */
export interface ProbeJson {
  readonly dataset: string;
  readonly trainSize: number;
  readonly testSize: number;
  readonly numClasses: number;
  readonly sweep: readonly ProbeCellJson[];
  readonly best: ProbeCellJson & { readonly test: ProbeSweepResult['best']['test'] };
  readonly rawPixels: { readonly valAccuracy: number; readonly testAccuracy: number; readonly dim: number } | null;
  readonly knn?: { readonly k: number; readonly layer: number; readonly pooling: Pooling; readonly attention: ReadoutAttention; readonly testAccuracy: number };
  readonly attentive?: { readonly layer: number; readonly attention: ReadoutAttention; readonly testAccuracy: number; readonly trainLoss: number[] };
  readonly seconds: number;
  readonly backend?: string;
  readonly ema?: boolean;
}

/** One cell of the sweep in `probe.json`. */
export interface ProbeCellJson {
  readonly layer: number;
  readonly pooling: Pooling;
  readonly attention: ReadoutAttention;
  readonly dim: number;
  readonly weightDecay: number;
  readonly valAccuracy: number;
  readonly testAccuracy: number;
}

/** probe.json as the run report reads it (see the run-directory format). */
export function probeJson(dataset: string, r: ProbeSweepResult, extra: Partial<ProbeJson> = {}): ProbeJson {
  const cell = (c: ProbeSweepResult['best']): ProbeCellJson => ({
    layer: c.layer,
    pooling: c.pooling,
    attention: c.attention,
    dim: c.dim,
    weightDecay: c.weightDecay,
    valAccuracy: c.valTop1,
    testAccuracy: c.testTop1,
  });
  return {
    dataset,
    trainSize: r.trainSize,
    testSize: r.testSize,
    numClasses: r.numClasses,
    sweep: r.cells.map(cell),
    best: { ...cell(r.best), test: r.best.test },
    rawPixels: r.pixels ? { valAccuracy: r.pixels.valTop1, testAccuracy: r.pixels.testTop1, dim: r.pixels.dim } : null,
    seconds: r.seconds.total,
    ...extra,
  };
}

/** Options of {@link probeRun}. */
export interface ProbeRunOptions {
  /** Run directory of a pretrained model. */
  readonly run: string;
  /** The custom backbone/head the run was trained with (`pretrain({ parts })`), if any. */
  readonly parts?: BuildDarlOptions<unknown, unknown>;
  /** Labelled data (default: the data the run trained on). */
  readonly data?: string;
  /** Layers (default all: 0 … depth). */
  readonly layers?: readonly number[];
  readonly poolings?: readonly Pooling[];
  readonly attentions?: readonly ReadoutAttention[];
  readonly maxTrain?: number;
  readonly maxTest?: number;
  /** AdamW steps of each linear probe. */
  readonly probeSteps?: number;
  /** Also kNN (k = 20) on the best cell. */
  readonly knn?: boolean;
  /** Also an attentive probe (AIM) on the token features of the best cell's layer and attention. */
  readonly attentive?: boolean | Partial<AttentiveProbeConfig>;
  /** Use EMA weights when the run has them (default true). */
  readonly ema?: boolean;
  readonly seed?: number;
  /** Recorded in probe.json. */
  readonly backend?: string;
  readonly onProgress?: (message: string) => void;
}

/**
 * Runs the probe sweep on a run directory, writes `<run>/probe.json` and refreshes `report.html`.
 * The backend must already be selected.
 */
export async function probeRun(opts: ProbeRunOptions): Promise<{ result: ProbeSweepResult; json: ProbeJson; report: string }> {
  const seed = opts.seed ?? 0;
  const loaded = await loadRun(opts.run, { ema: opts.ema === false ? false : 'auto', ...(opts.parts ? { parts: opts.parts } : {}) });
  try {
    const depth = loaded.model.backbone.depth;
    const layers = opts.layers ? [...opts.layers] : Array.from({ length: depth + 1 }, (_, i) => i);
    for (const n of layers) {
      if (!Number.isInteger(n) || n < 0 || n > depth) throw new RunError(`layer ${n} does not exist; layers are 0 (input tokens) to ${depth}.`);
    }
    const dataSpec = opts.data ?? loaded.state.data;
    const train = subsetDataset(await openDataset(dataSpec, { split: 'train' }), opts.maxTrain, seed);
    const test = subsetDataset(await openDataset(dataSpec, { split: 'test' }), opts.maxTest, seed + 1);
    const { height, width, channels } = loaded.model.config.image;
    if (train.height !== height || train.width !== width || train.channels !== channels) {
      throw new RunError(`The model takes ${height}×${width}×${channels} images but "${dataSpec}" has ${train.height}×${train.width}×${train.channels}.`);
    }
    const extractor = darlFeatureExtractor(loaded.model, loaded.params);
    const result = await probeSweep(extractor, {
      train,
      test,
      ...(train.numClasses ? { numClasses: train.numClasses } : {}),
      layers,
      ...(opts.poolings ? { poolings: opts.poolings } : {}),
      ...(opts.attentions ? { attentions: opts.attentions } : {}),
      probe: { seed, ...(opts.probeSteps ? { steps: opts.probeSteps } : {}) },
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const extra: { -readonly [K in keyof ProbeJson]?: ProbeJson[K] } = { backend: opts.backend ?? 'unknown', ema: loaded.ema };
    if (opts.knn || opts.attentive) {
      const b = result.best;
      const numClasses = result.numClasses;
      const trainLabels = classLabels(train, 'probe');
      const testLabels = classLabels(test, 'probe');
      const poolings: Pooling[] = [...new Set<Pooling>([...(opts.knn ? [b.pooling] : []), ...(opts.attentive ? ['concat' as const] : [])])];
      const sel = { layers: [b.layer], poolings, attentions: [b.attention] };
      const trainCache = await extractFeatures(extractor, train, sel);
      const testCache = await extractFeatures(extractor, test, sel);
      if (opts.knn) {
        const m = knnEvaluate(
          { features: trainCache.get(b.layer, b.pooling, b.attention).features, labels: trainLabels },
          { features: testCache.get(b.layer, b.pooling, b.attention).features, labels: testLabels },
          numClasses,
        );
        extra.knn = { k: 20, layer: b.layer, pooling: b.pooling, attention: b.attention, testAccuracy: m.top1 };
        opts.onProgress?.(`kNN (k=20) on layer ${b.layer} ${b.pooling}/${b.attention}: ${(m.top1 * 100).toFixed(2)} %`);
      }
      if (opts.attentive) {
        const tr = trainCache.get(b.layer, 'concat', b.attention);
        const te = testCache.get(b.layer, 'concat', b.attention);
        const r = attentiveProbe(
          { features: tr.features, tokens: tr.tokens, labels: trainLabels },
          { features: te.features, tokens: te.tokens, labels: testLabels },
          numClasses,
          { seed, ...(typeof opts.attentive === 'object' ? opts.attentive : {}) },
        );
        extra.attentive = { layer: b.layer, attention: b.attention, testAccuracy: r.test.top1, trainLoss: r.trainLoss };
        opts.onProgress?.(`attentive probe on layer ${b.layer} (${b.attention}): ${(r.test.top1 * 100).toFixed(2)} %`);
      }
    }
    const json = probeJson(dataSpec, result, extra);
    await writeFileAtomic(join(opts.run, 'probe.json'), `${JSON.stringify(json, null, 2)}\n`);
    const report = await writeReport(opts.run);
    return { result, json, report };
  } finally {
    loaded.dispose();
  }
}
