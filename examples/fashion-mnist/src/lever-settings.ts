/**
 * The levers the recipe's settings were chosen from (src/levers.ts), and the held-out protocol they were judged by.
 * Every lever is the digits-mse model (width 128, depth 4, 4 heads, 2D RoPE) with one change or two.
 */
import { RUN_PRESETS, type DarlConfigInput, type RunConfigInput } from '@darl/darl';

/** The held-out part of the 60 000 training images that levers are judged on (a seeded split; the test split is never read). */
export const HELD_OUT = { fraction: 1 / 6, seed: 0 } as const;

/** The probe's L2 strength, fixed before any run (as in the ablations recipe). */
export const PROBE_L2 = 1e-4;

/** One lever: objective, patch size, batch size, learning rate, and the backbone's width and depth. */
export interface Lever {
  readonly name: string;
  readonly objective: 'mse' | 'diffusion';
  readonly patchSize: 4 | 7;
  readonly batchSize: number;
  readonly lr: number;
  /** Backbone width (default: the small preset's 128; 4 heads either way). */
  readonly width?: number;
  /** Backbone depth (default: the small preset's 4). */
  readonly depth?: number;
}

export const LEVERS = [
  { name: 'mse-p4-b64', objective: 'mse', patchSize: 4, batchSize: 64, lr: 1e-3 },
  { name: 'diffusion-p4-b64', objective: 'diffusion', patchSize: 4, batchSize: 64, lr: 1e-3 },
  { name: 'diffusion-p7-b64', objective: 'diffusion', patchSize: 7, batchSize: 64, lr: 1e-3 },
  { name: 'mse-p4-b256', objective: 'mse', patchSize: 4, batchSize: 256, lr: 1.5e-3 },
  { name: 'diffusion-p4-b256', objective: 'diffusion', patchSize: 4, batchSize: 256, lr: 1.5e-3 },
  { name: 'diffusion-p7-b256', objective: 'diffusion', patchSize: 7, batchSize: 256, lr: 1.5e-3 },
  { name: 'mse-p7-b64', objective: 'mse', patchSize: 7, batchSize: 64, lr: 1e-3 },
  { name: 'diffusion-p7-b64-lr2e-3', objective: 'diffusion', patchSize: 7, batchSize: 64, lr: 2e-3 },
  { name: 'diffusion-p7-b64-w192', objective: 'diffusion', patchSize: 7, batchSize: 64, lr: 1e-3, width: 192 },
  { name: 'diffusion-p7-b64-d6', objective: 'diffusion', patchSize: 7, batchSize: 64, lr: 1e-3, depth: 6 },
] as const satisfies readonly Lever[];

/** The name of a lever. */
export type LeverName = (typeof LEVERS)[number]['name'];

/** Whether `name` names a lever (the one check of a name given at run time). */
export const isLeverName = (name: string): name is LeverName => LEVERS.some((l) => l.name === name);

/** The lever called `name`. */
export const leverNamed = (name: LeverName): Lever => LEVERS.find((l) => l.name === name)!;

/** The run config of `lever` for a wall-clock budget of `budgetSeconds` (the cosine follows elapsed time). */
export function leverRun(lever: Lever, budgetSeconds: number): RunConfigInput {
  const preset = RUN_PRESETS['digits-mse'];
  const diffusion = RUN_PRESETS['digits-diffusion'].model.diffusion;
  const model: DarlConfigInput = {
    ...preset.model,
    backbone: { preset: 'small', ...(lever.width ? { width: lever.width } : {}), ...(lever.depth ? { depth: lever.depth } : {}) },
    image: { height: 28, width: 28, channels: 1 },
    patchSize: lever.patchSize,
    objective: lever.objective,
    ...(lever.objective === 'diffusion' ? { diffusion } : {}),
  };
  return {
    model,
    train: {
      ...preset.train,
      steps: 1_000_000,
      budgetSeconds,
      batchSize: lever.batchSize,
      lr: lever.lr,
      warmupSteps: Math.round(6400 / lever.batchSize),
      logEvery: 50,
      sampleEvery: 0,
      evalImages: 0,
      checkpointEvery: 0,
      seed: 0,
    },
  };
}

/** The lever the recipe's full mode pretrains with: the best held-out probe of `pnpm levers` (table in src/main.ts). */
export const RECIPE_LEVER: LeverName = 'diffusion-p7-b64-w192';
