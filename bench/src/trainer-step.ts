/**
 * The real training step: the `reference` run preset of `@darl/darl` (docs/DESIGN.md §3: small backbone, patch 4 on
 * 28×28×1, batch 64, MSE objective) through `DarlTrainer.stepOn`, which is what `darl pretrain` runs per step:
 * `darlLoss` → `gradientsByPath` → one batched read (loss, per-target losses, gradient squares) → global-norm
 * clipping (the preset's `clipNorm`, default 1) → AdamW with the warm-up/cosine learning rate → EMA when enabled.
 * The preset leaves EMA off (`train.ema` 0), so the benchmark times it as configured and once more with EMA on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, disposeTree } from '@darl/tensor-backend';
import { DarlTrainer, RUN_PRESETS, buildDarl, initDarlParams, paramTree, parseConfig, runConfigSchema } from '@darl/darl';

/** EMA decay of the "EMA on" variant (a typical value; the preset itself has EMA off). */
export const BENCH_EMA_DECAY = 0.999;

/** A ready trainer on the reference preset and one fixed batch of images. */
export interface ReferenceTrainer {
  /** Settings the step runs with, for the results file. */
  readonly settings: { batch: number; clipNorm: number; ema: number; weightDecay: number; objective: string };
  /** One optimiser step on the fixed batch (awaits the trainer's read). */
  step(): Promise<void>;
  /** Frees the parameters, the optimiser and EMA state, and the batch. */
  dispose(): void;
}

/**
 * Builds the `reference` preset's model, parameters and trainer.
 * @param opts.ema EMA decay to use instead of the preset's (0 = off)
 */
export function referenceTrainer(opts: { ema?: number } = {}): ReferenceTrainer {
  const preset = RUN_PRESETS.reference;
  const run = parseConfig(runConfigSchema, { ...preset, train: { ...preset.train, ...(opts.ema !== undefined ? { ema: opts.ema } : {}) } }, 'bench');
  const model = buildDarl(run.model);
  const params = initDarlParams(model, { seed: run.train.seed });
  const trainer = new DarlTrainer(model, params, run.train);
  const { height, width, channels } = run.model.image;
  // Images scaled like the training data ([−1, 1]); a fixed batch, so only the step is timed.
  const images = tf.tidy(() => tf.clipByValue(new Rng(5).normal([run.train.batchSize, height, width, channels]), -1, 1)) as tf.Tensor4D;
  return {
    settings: {
      batch: run.train.batchSize,
      clipNorm: run.train.clipNorm,
      ema: run.train.ema,
      weightDecay: run.train.weightDecay,
      objective: run.model.objective,
    },
    async step() {
      await trainer.stepOn([images]);
    },
    dispose() {
      trainer.dispose();
      images.dispose();
      disposeTree(paramTree(params));
    },
  };
}
