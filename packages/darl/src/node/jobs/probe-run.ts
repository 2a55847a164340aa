/**
 * Probing a pretrained run: the linear-probe sweep over layers × pooling × readout attention with the raw-pixel
 * baseline and the random-init control on every cell (optionally kNN and the attentive probe on the best cell, each
 * with the same controls), written to `<run>/probe.json`.
 *
 * The random-init control is the run's own architecture with the parameters it started from
 * (`initDarlParams(model, { seed: train.seed })`), read out and probed exactly like the trained model: what a cell
 * gains over it is what pretraining added under that protocol.
 *
 * @module
 */
import {
  attentiveProbe,
  DEFAULT_KNN,
  extractFeatures,
  knnEvaluate,
  pixelFeatures,
  probeSweep,
  classLabels,
  type AttentiveProbeConfig,
  type FeatureCache,
  type FeatureExtractor,
  type LinearProbeSolver,
  type Pooling,
  type ProbeSweepResult,
  type ReadoutAttention,
} from '@darl/eval';
import { disposeTree } from '@darl/tensor-backend';
import { initDarlParams, paramTree } from '../../model/darl-model.js';
import { subsetDataset, type ImageDataset } from '@darl/patch-data';
import { openJobData, type JobDatasets } from './job-data.js';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import { darlFeatureExtractor } from '../../model/feature-extractor.js';
import { loadRun } from '../load-run.js';
import type { BuildDarlOptions, DarlModel } from '../../model/darl-model.js';
import { RunError } from '../run-error.js';
import { writeReport } from '../report/index.js';
import { jsonFileText } from '../../run-dir/file-contents.js';
import { probeFileSchema, runPaths, type ProbeFile } from '../run-dir/index.js';

/** The contents of `probe.json` for a sweep's result (`run-dir/probe-file.ts`), with the fields `extra` adds. */
export function probeJson(dataset: string, r: ProbeSweepResult, extra: Partial<ProbeFile> = {}): ProbeFile {
  const cell = (c: ProbeSweepResult['best']): ProbeFile['sweep'][number] => ({
    layer: c.layer,
    pooling: c.pooling,
    attention: c.attention,
    dim: c.dim,
    weightDecay: c.weightDecay,
    valAccuracy: c.valTop1,
    testAccuracy: c.testTop1,
    ...(c.control ? { control: { valAccuracy: c.control.valTop1, testAccuracy: c.control.testTop1 } } : {}),
  });
  const rc = r.bestControl;
  return {
    dataset,
    trainSize: r.trainSize,
    testSize: r.testSize,
    numClasses: r.numClasses,
    sweep: r.cells.map(cell),
    best: { ...cell(r.best), test: r.best.test },
    rawPixels: r.pixels ? { valAccuracy: r.pixels.valTop1, testAccuracy: r.pixels.testTop1, dim: r.pixels.dim } : null,
    ...(rc
      ? { randomInit: { layer: rc.layer, pooling: rc.pooling, attention: rc.attention, dim: rc.dim, weightDecay: rc.weightDecay, valAccuracy: rc.valTop1, testAccuracy: rc.testTop1 } }
      : {}),
    solver: r.solver,
    seconds: r.seconds.total,
    ...extra,
  };
}

/** Options of {@link probeRun}. */
export interface ProbeRunOptions {
  /** Run directory of a pretrained model. */
  readonly run: string;
  /** Probe the kept checkpoint of this step instead of the committed one. */
  readonly step?: number;
  /** The custom backbone/head the run was trained with (`pretrain({ parts })`), if any. */
  readonly parts?: BuildDarlOptions<unknown, unknown>;
  /** Labelled data as a spec (default: the data the run trained on); with `datasets`, only the name recorded. */
  readonly data?: string;
  /** Labelled data given directly, as `pretrain({ datasets })` takes it (e.g. a run trained on in-memory data). */
  readonly datasets?: JobDatasets;
  /** Layers (default all: 0 … depth). */
  readonly layers?: readonly number[];
  /** Poolings (default mean, last, concat). */
  readonly poolings?: readonly Pooling[];
  /** Readout attentions (default causal, full). */
  readonly attentions?: readonly ReadoutAttention[];
  /** Use at most this many training images (a seeded subset). */
  readonly maxTrain?: number;
  /** Use at most this many test images (a seeded subset). */
  readonly maxTest?: number;
  /** AdamW steps of each linear probe (solver `adamw` only). */
  readonly probeSteps?: number;
  /** Linear-probe solver (default lbfgs). */
  readonly solver?: LinearProbeSolver;
  /** Probe the random-init control next to every result (default true; doubles extraction and probing time). */
  readonly control?: boolean;
  /** Also kNN (k = `DEFAULT_KNN.k` of @darl/eval) on the best cell. */
  readonly knn?: boolean;
  /** Also an attentive probe (AIM) on the token features of the best cell's layer and attention. */
  readonly attentive?: boolean | Partial<AttentiveProbeConfig>;
  /** Use EMA weights when the run has them (default true). */
  readonly ema?: boolean;
  /** Seed of the subsets, the held-out split and the probes (default 0). */
  readonly seed?: number;
  /** Recorded in probe.json. */
  readonly backend?: string;
  /** Progress messages (one line each). */
  readonly onProgress?: (message: string) => void;
}

/**
 * Runs the probe sweep on a run directory, writes `<run>/probe.json` and refreshes `report.html`.
 * The backend must already be selected.
 */
export async function probeRun(opts: ProbeRunOptions): Promise<{
  /** The sweep's full result. */
  result: ProbeSweepResult;
  /** What was written to probe.json. */
  json: ProbeFile;
  /** Path of the refreshed report.html. */
  report: string;
}> {
  const seed = opts.seed ?? 0;
  let controlParams: ReturnType<typeof initDarlParams> | null = null;
  const loaded = await loadRun(opts.run, {
    ema: opts.ema === false ? false : 'auto',
    ...(opts.parts ? { parts: opts.parts } : {}),
    ...(opts.step !== undefined ? { step: opts.step } : {}),
    ...(opts.onProgress ? { onNote: opts.onProgress } : {}),
  });
  try {
    const depth = loaded.model.backbone.depth;
    const layers = opts.layers ? [...opts.layers] : Array.from({ length: depth + 1 }, (_, i) => i);
    for (const n of layers) {
      if (!Number.isInteger(n) || n < 0 || n > depth) throw new RunError(`layer ${n} does not exist; layers are 0 (input tokens) to ${depth}.`);
    }
    const data = await openJobData('probeRun', opts, loaded.state.data, opts.run);
    const dataSpec = data.name;
    const train = subsetDataset(data.train, opts.maxTrain, seed);
    const test = subsetDataset(data.test, opts.maxTest, seed + 1);
    const { height, width, channels } = loaded.model.config.image;
    if (train.height !== height || train.width !== width || train.channels !== channels) {
      throw new RunError(`The model takes ${height}×${width}×${channels} images but "${dataSpec}" has ${train.height}×${train.width}×${train.channels}.`);
    }
    const extractor = darlFeatureExtractor(loaded.model, loaded.params);
    const initial = opts.control === false ? null : initDarlParams(loaded.model, { seed: loaded.run.train.seed });
    controlParams = initial;
    const control = initial ? darlFeatureExtractor(loaded.model, initial) : null;
    const result = await probeSweep(extractor, {
      ...(control ? { control } : {}),
      train,
      test,
      scale: loaded.model.config.pixelScale,
      ...(train.numClasses ? { numClasses: train.numClasses } : {}),
      layers,
      ...(opts.poolings ? { poolings: opts.poolings } : {}),
      ...(opts.attentions ? { attentions: opts.attentions } : {}),
      probe: { seed, ...(opts.solver ? { solver: opts.solver } : {}), ...(opts.probeSteps ? { steps: opts.probeSteps } : {}) },
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const extra: Partial<ProbeFile> = { backend: opts.backend ?? 'unknown', ema: loaded.ema };
    if (opts.knn || opts.attentive) Object.assign(extra, await bestCellExtras(opts, loaded.model, { extractor, control, result, train, test, seed }));
    const json = probeJson(dataSpec, result, extra);
    await writeFileAtomic(runPaths(opts.run).probe, jsonFileText(probeFileSchema.parse(json)));
    const report = await writeReport(opts.run);
    return { result, json, report };
  } finally {
    if (controlParams) disposeTree(paramTree(controlParams));
    loaded.dispose();
  }
}

/** What the kNN and attentive probes on the best cell need: the sweep's result, its data and feature extractors. */
interface BestCellInputs {
  readonly extractor: FeatureExtractor;
  readonly control: FeatureExtractor | null;
  readonly result: ProbeSweepResult;
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  readonly seed: number;
}

/** kNN and the attentive probe on the best cell (as `opts` asks), each with its random-init control. */
async function bestCellExtras(opts: ProbeRunOptions, model: DarlModel, inputs: BestCellInputs): Promise<Pick<ProbeFile, 'knn' | 'attentive'>> {
  const { extractor, control, result, train, test, seed } = inputs;
  const out: Pick<ProbeFile, 'knn' | 'attentive'> = {};
  const b = result.best;
  const numClasses = result.numClasses;
  const trainLabels = classLabels(train, 'probe');
  const testLabels = classLabels(test, 'probe');
  const poolings: Pooling[] = [...new Set<Pooling>([...(opts.knn ? [b.pooling] : []), ...(opts.attentive ? ['concat' as const] : [])])];
  const sel = { layers: [b.layer], poolings, attentions: [b.attention], scale: model.config.pixelScale };
  const caches = [extractor, ...(control ? [control] : [])];
  const trainCaches: FeatureCache[] = [];
  const testCaches: FeatureCache[] = [];
  for (const e of caches) {
    trainCaches.push(await extractFeatures(e, train, sel));
    testCaches.push(await extractFeatures(e, test, sel));
  }
  const pct = (x: number | undefined): string => (x === undefined ? '—' : `${(x * 100).toFixed(2)} %`);
  if (opts.knn) {
    const k0 = performance.now();
    const knnOf = async (trainF: ReturnType<typeof pixelFeatures>, testF: ReturnType<typeof pixelFeatures>): Promise<number> =>
      (await knnEvaluate({ features: trainF, labels: trainLabels }, { features: testF, labels: testLabels }, numClasses)).top1;
    const acc: number[] = [];
    for (let i = 0; i < caches.length; i++) {
      acc.push(await knnOf(trainCaches[i]!.get(b.layer, b.pooling, b.attention).features, testCaches[i]!.get(b.layer, b.pooling, b.attention).features));
    }
    const pixels = await knnOf(pixelFeatures(train), pixelFeatures(test));
    out.knn = {
      k: DEFAULT_KNN.k,
      layer: b.layer,
      pooling: b.pooling,
      attention: b.attention,
      testAccuracy: acc[0]!,
      ...(acc[1] !== undefined ? { randomInitTestAccuracy: acc[1] } : {}),
      pixelsTestAccuracy: pixels,
      seconds: (performance.now() - k0) / 1000,
    };
    opts.onProgress?.(`kNN (k=${DEFAULT_KNN.k}) on layer ${b.layer} ${b.pooling}/${b.attention}: ${pct(acc[0])} (random init ${pct(acc[1])}, pixels ${pct(pixels)})`);
  }
  if (opts.attentive) {
    const a0 = performance.now();
    const acc: number[] = [];
    let trainLoss: number[] = [];
    for (let i = 0; i < caches.length; i++) {
      const tr = trainCaches[i]!.get(b.layer, 'concat', b.attention);
      const te = testCaches[i]!.get(b.layer, 'concat', b.attention);
      const r = await attentiveProbe(
        { features: tr.features, tokens: tr.tokens, labels: trainLabels },
        { features: te.features, tokens: te.tokens, labels: testLabels },
        numClasses,
        { seed, ...(typeof opts.attentive === 'object' ? opts.attentive : {}) },
      );
      acc.push(r.test.top1);
      if (i === 0) trainLoss = r.trainLoss;
    }
    out.attentive = {
      layer: b.layer,
      attention: b.attention,
      testAccuracy: acc[0]!,
      trainLoss,
      ...(acc[1] !== undefined ? { randomInitTestAccuracy: acc[1] } : {}),
      seconds: (performance.now() - a0) / 1000,
    };
    opts.onProgress?.(`attentive probe on layer ${b.layer} (${b.attention}): ${pct(acc[0])} (random init ${pct(acc[1])})`);
  }
  return out;
}
