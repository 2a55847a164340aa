/**
 * Objective → head: the built-in objectives. A new objective is one file exporting a {@link DarlObjective} plus
 * one line here; the run schema's `model.objective` choices and `model.<name>` sections are derived from this table.
 *
 * @module
 */
import { diffusionObjective } from './diffusion-head.js';
import { mseObjective } from './mse-head.js';

/** The built-in objectives by name: `model.objective` chooses one, `model.<name>` holds its settings. */
export const OBJECTIVES = {
  /** Mean squared error of a linear head's next-patch prediction; no settings section. */
  mse: mseObjective,
  /** Per-patch diffusion loss with a denoising patch decoder; settings in `model.diffusion`. */
  diffusion: diffusionObjective,
} as const;

/** Name of a built-in objective. */
export type ObjectiveName = keyof typeof OBJECTIVES;

/** The objective names, in table order (the first is the default). */
export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES) as [ObjectiveName, ...ObjectiveName[]];
