/**
 * The run the page trains: darl's `tiny` run preset on the embedded digits (28×28×1), with the objective and patch
 * size the user picks. The Node throughput script trains exactly this config too.
 *
 * @module
 */
import { RUN_PRESETS, runConfigSchema, type ObjectiveName, type RunConfig } from '@darl/darl';

/** What the page lets the user choose. */
export interface RunChoice {
  readonly objective: ObjectiveName;
  /** 7 (a 4×4 grid of patches) or 4 (7×7). */
  readonly patchSize: 4 | 7;
  readonly batchSize: number;
  readonly seed: number;
}

/** The page's defaults. */
export const DEFAULT_CHOICE: RunChoice = { objective: 'mse', patchSize: 7, batchSize: 32, seed: 0 };

/** The validated run config for a choice: `tiny` backbone, warm-up then a long cosine (the user stops training). */
export function browserRunConfig(choice: RunChoice): RunConfig {
  const tiny = RUN_PRESETS.tiny;
  return runConfigSchema.parse({
    model: {
      ...tiny.model,
      patchSize: choice.patchSize,
      objective: choice.objective,
      diffusion: { decoder: { depth: 2, width: 64 }, sampleSteps: 10 },
    },
    train: { ...tiny.train, steps: 5000, batchSize: choice.batchSize, lr: 2e-3, warmupSteps: 20, seed: choice.seed, ema: 0 },
  });
}
