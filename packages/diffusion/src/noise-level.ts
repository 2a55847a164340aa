/**
 * Noise levels per patch: γ drawn directly from Beta(a, b) (DARL's "tailored" family) or through a schedule with
 * uniform t. Pure float64 math: this file imports nothing from tfjs (the {@link Rng} it takes is plain TypeScript).
 *
 * @module
 */
import type { Rng } from '@darl/tensor-backend';
import { cosineOffsetSchedule, cosineSchedule, type CosineOffsetOptions } from './cosine-schedule.js';
import { linearBetaSchedule, type LinearBetaOptions } from './linear-beta-schedule.js';
import { clampGamma, type NoiseSchedule } from './noise-schedule.js';
import { shiftSchedule } from './shift-schedule.js';
import { sigmoidSchedule, type SigmoidScheduleOptions } from './sigmoid-schedule.js';

/** Names of the schedules a {@link NoiseLevelSpec} can refer to. */
export const SCHEDULE_NAMES = ['cosine', 'cosine-offset', 'linear', 'sigmoid'] as const;

/** A schedule's name. */
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** The kinds of {@link NoiseLevelSpec}. */
export const NOISE_LEVEL_KINDS = ['beta', 'schedule'] as const;

/**
 * How γ is drawn per patch (JSON-serialisable).
 * - `{ kind: 'beta', a, b }`: γ ~ Beta(a, b) directly. Beta(½, ½) equals the cosine schedule with uniform t;
 *   a < b puts more mass on low γ (high noise).
 * - `{ kind: 'schedule', schedule, shift? }`: t ~ Uniform(0, 1), γ = schedule(t), optionally shifted by `shift` in
 *   log-SNR ({@link shiftSchedule}). `cosineOffset`, `linear`, `sigmoid` hold that schedule's options.
 */
export type NoiseLevelSpec =
  | {
      /** γ ~ Beta(a, b). */
      readonly kind: 'beta';
      /** First shape parameter α of the Beta distribution, > 0. */
      readonly a: number;
      /** Second shape parameter β of the Beta distribution, > 0. */
      readonly b: number;
    }
  | {
      /** γ = schedule(t), t ~ Uniform(0, 1). */
      readonly kind: 'schedule';
      /** The noise schedule that maps t to γ. */
      readonly schedule: ScheduleName;
      /** Log-SNR shift added to every draw (positive: more signal; negative: more noise). */
      readonly shift?: number;
      /** Options of the `cosine-offset` schedule. */
      readonly cosineOffset?: CosineOffsetOptions;
      /** Options of the `linear` schedule. */
      readonly linear?: LinearBetaOptions;
      /** Options of the `sigmoid` schedule. */
      readonly sigmoid?: SigmoidScheduleOptions;
    };

/** The schedule a `kind: 'schedule'` spec describes (with its shift applied). */
export function scheduleFromSpec(spec: Extract<NoiseLevelSpec, { kind: 'schedule' }>): NoiseSchedule {
  let base: NoiseSchedule;
  switch (spec.schedule) {
    case 'cosine':
      base = cosineSchedule();
      break;
    case 'cosine-offset':
      base = cosineOffsetSchedule(spec.cosineOffset);
      break;
    case 'linear':
      base = linearBetaSchedule(spec.linear);
      break;
    case 'sigmoid':
      base = sigmoidSchedule(spec.sigmoid);
      break;
    default:
      throw new Error(
        `scheduleFromSpec: unknown schedule ${JSON.stringify((spec as { schedule: unknown }).schedule)}; use 'cosine', 'cosine-offset', 'linear' or 'sigmoid'.`,
      );
  }
  return spec.shift === undefined || spec.shift === 0 ? base : shiftSchedule(base, spec.shift);
}

/**
 * Draws `n` noise levels γ, one per patch (`spec` as validated by `validateNoiseLevelSpec`, which
 * `diffusionHeadConfig` runs once; it is not re-checked per call), clamped to `[GAMMA_MIN, GAMMA_MAX]`. Beta draws use
 * `rng.betaScalar(a, b)`; schedule draws use `t = rng.next()` (uniform in [0, 1)).
 *
 * @returns Float64Array [n]
 */
export function sampleNoiseLevels(spec: NoiseLevelSpec, n: number, rng: Rng): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sampleNoiseLevels: n must be a non-negative integer, got ${n}.`);
  const out = new Float64Array(n);
  if (spec.kind === 'beta') {
    for (let i = 0; i < n; i++) out[i] = clampGamma(rng.betaScalar(spec.a, spec.b));
  } else {
    const schedule = scheduleFromSpec(spec);
    for (let i = 0; i < n; i++) out[i] = schedule.gamma(rng.next());
  }
  return out;
}
