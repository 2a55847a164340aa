/**
 * One training run over the embedded digits, step by step: darl's model, trainer and batch stream, with timings.
 * Environment-agnostic (no DOM, no `node:`): the page's worker drives it, and so does the Node throughput script,
 * so the two measure the same code.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  buildDarl,
  DarlTrainer,
  encodeRunDirectory,
  initDarlParams,
  paramTree,
  type DarlModel,
  type DarlParams,
  type MetricsLineInput,
  type RunConfig,
  type StepResult,
} from '@darl/darl';
import { BatchStream, pixelsToTensor, type ImageDataset } from '@darl/patch-data';
import { disposeTree, flattenTree } from '@darl/tensor-backend';

/** The data spec Node's `darl` uses for the embedded digits (recorded in `state.json`). */
export const EMBEDDED_DIGITS_SPEC = 'mnist';

/** A step's figures plus how long it took. */
export interface TimedStep extends StepResult {
  /** Wall time of this step (batch preparation and the optimiser step), ms. */
  readonly ms: number;
}

/** A model being trained: owns its parameters, trainer and stream. */
export class TrainingSession {
  readonly model: DarlModel;
  readonly params: DarlParams;
  readonly trainer: DarlTrainer;
  private readonly stream: BatchStream;
  private readonly startedAt = new Date().toISOString();
  /** Seconds spent in {@link step} so far. */
  trainSeconds = 0;
  /** Per-step figures, for `metrics.jsonl`. */
  readonly history: MetricsLineInput[] = [];

  constructor(
    readonly run: RunConfig,
    readonly data: ImageDataset,
    readonly backend: Readonly<Record<string, unknown>>,
  ) {
    this.model = buildDarl(run.model);
    this.params = initDarlParams(this.model, { seed: run.train.seed });
    this.trainer = new DarlTrainer(this.model, this.params, run.train);
    this.stream = new BatchStream(data, { batchSize: run.train.batchSize, seed: run.train.seed, dropLast: true });
  }

  /** One optimiser step on the next batch. */
  async step(): Promise<TimedStep> {
    const t0 = performance.now();
    const batch = this.stream.next();
    const images = pixelsToTensor(batch.pixels, batch.shape, { scale: this.run.model.pixelScale });
    let r: StepResult;
    try {
      r = await this.trainer.stepOn([images]);
    } finally {
      images.dispose();
    }
    const ms = performance.now() - t0;
    this.trainSeconds += ms / 1000;
    this.history.push({ step: r.step, loss: r.loss, lr: r.lr, gradNorm: r.gradNorm, imagesPerSec: (this.run.train.batchSize * 1000) / ms, trainSeconds: this.trainSeconds });
    return { ...r, ms };
  }

  /** The run directory of the current state (config, one checkpoint, metrics), by relative path. */
  async runDirectory(): Promise<Record<string, Uint8Array>> {
    const optimizer = this.trainer.optimizer.stateTensors();
    try {
      return await encodeRunDirectory({
        run: this.run,
        params: paramTree(this.params),
        ema: this.trainer.ema?.shadow() ?? null,
        optimizer,
        metrics: this.history,
        state: {
          step: this.trainer.step,
          cursor: this.stream.cursor,
          rng: this.trainer.rngState(),
          data: EMBEDDED_DIGITS_SPEC,
          versions: { '@tensorflow/tfjs-core': tf.version_core },
          backend: { ...this.backend },
          parts: { backbone: this.model.backbone.kind, head: this.model.head.kind },
          startedAt: this.startedAt,
          wallSeconds: this.trainSeconds,
          trainSeconds: this.trainSeconds,
          finished: false,
        },
      });
    } finally {
      for (const t of Object.values(optimizer)) t.dispose();
    }
  }

  dispose(): void {
    this.trainer.dispose();
    disposeTree(paramTree(this.params));
  }
}

/** Sum of every parameter value: a fingerprint that a loader elsewhere can recompute (read asynchronously). */
export async function parameterSum(params: DarlParams): Promise<number> {
  let sum = 0;
  for (const [, t] of flattenTree(paramTree(params))) for (const v of await t.data()) sum += v;
  return sum;
}
