/**
 * The γ grid a sampler walks. Pure float64 math: this file imports nothing from tfjs.
 *
 * @module
 */
import { cosineSchedule } from './cosine-schedule.js';
import type { DiffusionHeadConfig } from './diffusion-head-config.js';
import { scheduleFromSpec } from './noise-level.js';
import type { NoiseSchedule } from './noise-schedule.js';

/**
 * The noise levels of a `steps`-step sampler: `γ_i = schedule.gamma(1 − i/steps)` for i = 0 … steps−1 (the levels
 * the model is evaluated at, from most to least noise, clamped to [GAMMA_MIN, GAMMA_MAX]), followed by `γ_steps = 1`
 * (clean: the last step returns the model's x0 estimate). This is step respacing over a continuous schedule: for
 * the linear-β schedule with `steps` dividing its T, the grid hits DDPM's own ᾱ values.
 *
 * @param schedule default {@link cosineSchedule}
 * @returns Float64Array [steps + 1], increasing
 */
export function samplingGammas(steps: number, schedule: NoiseSchedule = cosineSchedule()): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`samplingGammas: steps must be an integer ≥ 1, got ${steps}.`);
  const out = new Float64Array(steps + 1);
  for (let i = 0; i < steps; i++) out[i] = schedule.gamma(1 - i / steps);
  out[steps] = 1;
  return out;
}

/**
 * The schedule `sampleDiffusion` uses for a head by default: the training schedule (with its shift) when
 * `noiseLevels` is a schedule; the `cosine` schedule when γ was trained from a Beta distribution (a Beta-trained
 * decoder saw every γ in (0, 1), so any grid is in-distribution; cosine spends its steps evenly in
 * `asin(√γ)`, and it is exactly the quantile grid of Beta(½, ½)). Pass `schedule` to `sampleDiffusion` to choose
 * another.
 */
export function samplingSchedule(config: DiffusionHeadConfig): NoiseSchedule {
  return config.noiseLevels.kind === 'schedule' ? scheduleFromSpec(config.noiseLevels) : cosineSchedule();
}
