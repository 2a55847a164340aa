/**
 * Sampling patches from the diffusion head: the x0 estimate at one noise level, and the full reverse loop written
 * with the public pieces (`samplingGammas`, `predictX0`, `ddimStep` / `ddpmStep`).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertShape, type Rng } from '@darl/tensor-backend';
import type { DiffusionHeadConfig } from './diffusion-head-config.js';
import type { DiffusionHeadParams } from './diffusion-loss.js';
import type { GammaValues } from './gamma-values.js';
import type { NoiseSchedule } from './noise-schedule.js';
import { convertPrediction } from './parameterisation.js';
import { applyPatchDecoder } from './patch-decoder.js';
import { ddimStep, ddpmStep } from './reverse-steps.js';
import { samplingGammas, samplingSchedule } from './sampling-gammas.js';

/**
 * The head's estimate of x0 from noisy patches: the decoder's output converted from `config.prediction` to x0.
 *
 * @param noisy x_γ, float32 [N, D]; @param conditions float32 [N, C]; @param gamma one level or one per row
 * @returns float32 [N, D] (caller owns)
 */
export function predictX0(
  params: DiffusionHeadParams,
  config: DiffusionHeadConfig,
  noisy: tf.Tensor2D,
  conditions: tf.Tensor2D,
  gamma: GammaValues,
): tf.Tensor2D {
  return tf.tidy(() => {
    const out = applyPatchDecoder(params.decoder, config.decoder, noisy, conditions, gamma);
    return config.prediction === 'x0' ? out : convertPrediction(out, config.prediction, 'x0', noisy, gamma);
  });
}

/** The samplers: `ddim` (deterministic at η = 0) and `ddpm` (ancestral). */
export const SAMPLERS = ['ddim', 'ddpm'] as const;

/** A sampler's name. */
export type Sampler = (typeof SAMPLERS)[number];

/** How a head samples unless told otherwise: DDIM with 20 respaced steps. */
export const DEFAULT_SAMPLING = { sampler: 'ddim', steps: 20 } as const satisfies {
  /** The sampler. */
  sampler: Sampler;
  /** Model evaluations (respaced steps). */
  steps: number;
};

/** Options of {@link sampleDiffusion}. */
export interface SampleDiffusionOptions {
  /** Number of model evaluations (respaced steps). */
  readonly steps: number;
  /** `ddpm` (ancestral) or `ddim`. */
  readonly sampler: Sampler;
  /** DDIM's η (default 0, deterministic given the starting noise); ignored by `ddpm`. */
  readonly eta?: number;
  /** Scales the noise injected at each step (default 1); the starting noise is always N(0, I). */
  readonly temperature?: number;
  /** Source of the starting noise and of each step's noise. */
  readonly rng: Rng;
  /** The γ grid's schedule; default {@link samplingSchedule}(config). */
  readonly schedule?: NoiseSchedule;
}

/**
 * Draws one patch per condition by reverse diffusion: `x ~ N(0, I)`, then for each γ_i of
 * `samplingGammas(steps, schedule)`: `x0 = predictX0(x, γ_i)`, `x = step(x, x0, γ_i, γ_{i+1})`. The last step
 * lands on γ = 1 and returns the final x0 estimate. Equivalent loop, written by hand:
 *
 * ```ts
 * const gammas = samplingGammas(steps, samplingSchedule(config));
 * let x = rng.normal([N, D]) as tf.Tensor2D;
 * for (let i = 0; i < steps; i++) {
 *   const next = tf.tidy(() => ddimStep(x, predictX0(params, config, x, conditions, gammas[i]), gammas[i], gammas[i + 1]));
 *   x.dispose();
 *   x = next;
 * }
 * ```
 *
 * @param conditions backbone outputs, float32 [N, C]
 * @returns sampled patches, float32 [N, D] (caller owns)
 */
export function sampleDiffusion(
  params: DiffusionHeadParams,
  config: DiffusionHeadConfig,
  conditions: tf.Tensor2D,
  opts: SampleDiffusionOptions,
): tf.Tensor2D {
  const where = 'sampleDiffusion';
  assertRank(where, 'conditions', conditions.shape, 2);
  const dims = assertShape(where, 'conditions', conditions.shape, ['N', config.decoder.conditionDim]);
  if (opts.sampler !== 'ddim' && opts.sampler !== 'ddpm') {
    throw new Error(`${where}: "sampler" must be 'ddim' or 'ddpm', got ${JSON.stringify(opts.sampler)}.`);
  }
  const gammas = samplingGammas(opts.steps, opts.schedule ?? samplingSchedule(config));
  const stepOpts = { rng: opts.rng, temperature: opts.temperature ?? 1, eta: opts.eta ?? 0 };
  let x = opts.rng.normal([dims.N!, config.decoder.patchDim]) as tf.Tensor2D;
  for (let i = 0; i < opts.steps; i++) {
    const gNow = gammas[i]!;
    const gNext = gammas[i + 1]!;
    let next: tf.Tensor2D;
    try {
      next = tf.tidy(() => {
        const x0 = predictX0(params, config, x, conditions, gNow);
        return opts.sampler === 'ddim' ? ddimStep(x, x0, gNow, gNext, stepOpts) : ddpmStep(x, x0, gNow, gNext, stepOpts);
      });
    } finally {
      x.dispose();
    }
    x = next;
  }
  return x;
}
