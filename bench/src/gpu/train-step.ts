/**
 * The training step the GPU benchmark times, in one place: the bench's reference assembly (`reference-model.ts`:
 * patch embedding + `@darl/transformer` + head, next-patch MSE), gradients by `gradientsByPath`, AdamW, and the loss
 * read with `await data()` (no synchronous read, so it runs on webgpu). It is the same work as
 * `reference/darl_reference.py`'s step, which the PyTorch side times.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, Rng, disposeTree, gradientsByPath } from '@darl/tensor-backend';
import { benchLoss, benchPositions, initBenchModel, numPatches, patchDim, type BenchModelConfig } from '../reference-model.js';

export interface BenchTrainer {
  /** One optimiser step on a fixed random batch; resolves to the loss once the GPU has finished the step. */
  step(): Promise<number>;
  dispose(): void;
}

/** A trainer for model `c` (batch `c.batch`), parameters seeded by `seed`. */
export function benchTrainer(c: BenchModelConfig, seed: number): BenchTrainer {
  const params = initBenchModel(c, seed);
  const opt = new AdamW(params as never, { weightDecay: 0.05 });
  const positions = benchPositions(c);
  const patches = new Rng(seed + 1).normal([c.batch, numPatches(c), patchDim(c)]) as tf.Tensor3D;
  return {
    async step(): Promise<number> {
      const { loss, grads } = gradientsByPath(params as never, () => benchLoss(params, c, patches, positions));
      opt.step(grads, 1e-4);
      tf.dispose(Object.values(grads));
      const value = (await loss.data())[0] as number;
      loss.dispose();
      return value;
    },
    dispose(): void {
      patches.dispose();
      opt.dispose();
      disposeTree(params as never);
    },
  };
}
