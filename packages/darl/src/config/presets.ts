/**
 * Named run configurations. `digits-*` run in about five minutes on 2 CPU cores with the wasm backend (about 1.3
 * passes over the embedded digits: enough to see the method work, not to reach its best numbers — raise
 * `train.steps`); `reference` is the model of docs/DESIGN.md §3
 * (width 128, depth 4, 4 heads, patch 4 on 28×28×1), used by the benchmark.
 *
 * @module
 */
import type { RunConfigInput } from './schema.js';

/** The named run configurations of `darl pretrain --preset NAME`, each a partial {@link RunConfigInput}. */
export const RUN_PRESETS = {
  /** Test-sized: seconds. */
  tiny: {
    model: { backbone: { preset: 'tiny' }, patchSize: 7 },
    train: { steps: 50, batchSize: 16, warmupSteps: 5, logEvery: 5, evalImages: 64 },
  },
  /** The main job on the embedded digits: MSE, a few minutes on 2 cores. */
  'digits-mse': {
    model: { backbone: { preset: 'small' }, patchSize: 4, objective: 'mse' },
    train: { steps: 200, batchSize: 64, lr: 1e-3, warmupSteps: 20, logEvery: 5, sampleEvery: 100 },
  },
  /** The same with the diffusion objective and a Beta noise-level distribution. */
  'digits-diffusion': {
    model: {
      backbone: { preset: 'small' },
      patchSize: 4,
      objective: 'diffusion',
      diffusion: { decoder: { depth: 2, width: 128 }, noiseLevels: { kind: 'beta', a: 1, b: 2 }, batchMultiplier: 2 },
    },
    train: { steps: 120, batchSize: 64, lr: 1e-3, warmupSteps: 12, logEvery: 5, sampleEvery: 60 },
  },
  /** docs/DESIGN.md §3 reference model. */
  reference: {
    model: { backbone: { preset: 'small' }, patchSize: 4 },
    train: { batchSize: 64 },
  },
} as const satisfies Record<string, RunConfigInput>;

/** Name of a run preset. */
export type RunPresetName = keyof typeof RUN_PRESETS;

/** One line per preset, as `darl presets` lists them. */
export const RUN_PRESET_DESCRIPTIONS: Readonly<Record<RunPresetName, string>> = {
  tiny: 'test-sized: seconds (tiny backbone, patch 7, 50 steps of 16)',
  'digits-mse': 'the main job on the embedded digits: MSE, small backbone, patch 4, 200 steps of 64 (a few minutes on 2 cores)',
  'digits-diffusion': 'the same with the diffusion objective (2-block decoder, Beta(1, 2) noise levels), 120 steps of 64',
  reference: 'the benchmark model of docs/DESIGN.md §3: width 128, depth 4, 4 heads, patch 4 on 28×28×1, batch 64',
};
