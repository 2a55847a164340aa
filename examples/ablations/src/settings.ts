/**
 * The settings and claims of the replication, and the run config of one (setting, seed). One owner: every other file
 * of the recipe reads these lists.
 */
import { RUN_PRESETS, type DarlConfigInput, type RunConfigInput } from '@darl/darl';

/** A noise-level distribution as the run config accepts it. */
export type NoiseLevelConfig = NonNullable<NonNullable<DarlConfigInput['diffusion']>['noiseLevels']>;

/** One setting: what it changes in the model config; `half` also probes its checkpoint at half the steps. */
export interface Setting {
  readonly name: string;
  readonly position: 'rope2d' | 'rope1d' | 'learned' | 'none';
  readonly objective: 'mse' | 'diffusion';
  readonly noise?: NoiseLevelConfig;
  readonly patchSize: 4 | 7;
  readonly half: boolean;
}

/** The paper's preferred noise-level distribution, skewed to high noise (low signal level γ). */
const HIGH_NOISE: NoiseLevelConfig = { kind: 'beta', a: 1, b: 2 };

export const SETTINGS: readonly Setting[] = [
  { name: 'mse-rope2d', position: 'rope2d', objective: 'mse', patchSize: 4, half: true },
  { name: 'mse-rope1d', position: 'rope1d', objective: 'mse', patchSize: 4, half: false },
  { name: 'mse-learned', position: 'learned', objective: 'mse', patchSize: 4, half: false },
  { name: 'mse-none', position: 'none', objective: 'mse', patchSize: 4, half: false },
  { name: 'diffusion-beta1-2', position: 'rope2d', objective: 'diffusion', noise: HIGH_NOISE, patchSize: 4, half: true },
  { name: 'diffusion-beta1-1', position: 'rope2d', objective: 'diffusion', noise: { kind: 'beta', a: 1, b: 1 }, patchSize: 4, half: false },
  { name: 'diffusion-cosine', position: 'rope2d', objective: 'diffusion', noise: { kind: 'schedule', schedule: 'cosine' }, patchSize: 4, half: false },
  { name: 'mse-patch7', position: 'rope2d', objective: 'mse', patchSize: 7, half: false },
  { name: 'diffusion-patch7', position: 'rope2d', objective: 'diffusion', noise: HIGH_NOISE, patchSize: 7, half: false },
];

/** A score of a claim: a setting's probe at the end of its run, or (`@half`) at its half-way checkpoint. */
export type ScoreKey = string;
/** The half-way score key of a setting. */
export const halfKey = (setting: string): ScoreKey => `${setting}@half`;

/** A claim of the paper: `better` beats `worse` (or, with `minus`, the gain better − worse exceeds minus[0] − minus[1]). */
export interface Claim {
  readonly claim: string;
  readonly better: ScoreKey;
  readonly worse: ScoreKey;
  readonly minus?: readonly [ScoreKey, ScoreKey];
}
export const CLAIMS: readonly Claim[] = [
  { claim: '2D RoPE beats 1D RoPE', better: 'mse-rope2d', worse: 'mse-rope1d' },
  { claim: '2D RoPE beats learned absolute positions', better: 'mse-rope2d', worse: 'mse-learned' },
  { claim: '2D RoPE beats no position encoding', better: 'mse-rope2d', worse: 'mse-none' },
  { claim: 'high-noise Beta(1, 2) beats uniform γ, Beta(1, 1)', better: 'diffusion-beta1-2', worse: 'diffusion-beta1-1' },
  { claim: 'high-noise Beta(1, 2) beats the cosine schedule', better: 'diffusion-beta1-2', worse: 'diffusion-cosine' },
  { claim: 'diffusion beats MSE at patch 4', better: 'diffusion-beta1-2', worse: 'mse-rope2d' },
  { claim: 'diffusion beats MSE at patch 7', better: 'diffusion-patch7', worse: 'mse-patch7' },
  { claim: 'diffusion gains more over MSE at patch 7 than at patch 4', better: 'diffusion-patch7', worse: 'mse-patch7', minus: ['diffusion-beta1-2', 'mse-rope2d'] },
  {
    claim: 'longer training (half → full steps) helps diffusion more than MSE',
    better: 'diffusion-beta1-2',
    worse: halfKey('diffusion-beta1-2'),
    minus: ['mse-rope2d', halfKey('mse-rope2d')],
  },
];

/** The settings small mode runs: the position pair and the noise-level pair (their pairing is what it checks). */
export const SMALL_SETTINGS: readonly string[] = ['mse-rope2d', 'mse-rope1d', 'diffusion-beta1-2', 'diffusion-beta1-1'];

/** Steps of one run (the equal budget of every setting) in each mode; `--steps` overrides. */
export const DEFAULT_STEPS = { small: 10, full: 500 } as const;

/** Batch size of every run in each mode. */
export const BATCH_SIZE = { small: 16, full: 64 } as const;

/** Backbone and decoder width of full mode. */
export const FULL_WIDTH = 64;

/** Every run's image: 28 × 28 grey (the embedded digits and Fashion-MNIST). */
const IMAGE = { height: 28, width: 28, channels: 1 } as const;

/**
 * The run config of one setting and seed: an equal step budget (`steps`) for every setting; the half-way checkpoint is
 * kept for settings with `half`. Full mode: the digits-mse recipe at width 64 (depth 4); small mode: the tiny model.
 */
export function runConfig(s: Setting, seed: number, opts: { small: boolean; steps: number }): RunConfigInput {
  const { small, steps } = opts;
  const base = small ? RUN_PRESETS.tiny : RUN_PRESETS['digits-mse'];
  const model: DarlConfigInput = {
    ...base.model,
    // Full mode: the small backbone narrowed to width 64 (4 heads, depth 4), so that 36 runs and 44 probes of 70 000
    // images fit the 45-minute budget on two cores.
    ...(small ? {} : { backbone: { preset: 'small', width: FULL_WIDTH, heads: 4 } }),
    image: IMAGE,
    patchSize: s.patchSize,
    position: s.position,
    objective: s.objective,
    ...(s.objective === 'diffusion'
      ? { diffusion: { noiseLevels: s.noise!, decoder: { kind: 'mlp', depth: 2, width: small ? 64 : FULL_WIDTH }, batchMultiplier: 2, sampleSteps: small ? 3 : 10 } }
      : {}),
  };
  const half = Math.floor(steps / 2);
  return {
    model,
    train: {
      ...base.train,
      steps,
      budgetSeconds: 0,
      batchSize: small ? BATCH_SIZE.small : BATCH_SIZE.full,
      lr: small ? 3e-3 : 1e-3,
      warmupSteps: small ? 1 : Math.max(1, Math.round(steps / 20)),
      logEvery: 1, // step 1 is logged: the first-step pairing check reads it
      sampleEvery: 0,
      evalImages: 0,
      seed,
      // The half-way checkpoint and the final one are both kept (no time-based checkpoints in between).
      checkpointEvery: s.half && half > 0 ? half : 0,
      checkpointMinutes: 0,
      keepCheckpoints: 3,
    },
  };
}
