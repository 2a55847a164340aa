/**
 * The prediction head: what turns the backbone's output at position t into (a distribution over) patch t+1.
 * DARL ships two — MSE ({@link mseHead}) and diffusion ({@link diffusionHead}) — and a user can plug in their own by
 * implementing this interface.
 *
 * Glossary: N = number of predicted patches (B·L), C = backbone width, D = patch dimension P·P·channels, K = noise
 * draws per patch (diffusion batch multiplier; 1 for MSE).
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Rng, TensorTree } from '@darl/tensor-backend';

/** What a head's loss returns. */
export interface HeadLoss {
  /** Mean loss over all targets and draws (the quantity that is minimised). */
  readonly loss: tf.Scalar;
  /** Per-target loss, float32 [K·N] laid out draw-major (index k·N + n), for metrics. */
  readonly perTarget: tf.Tensor1D;
  /** Draws per target (K). */
  readonly draws: number;
  /** Signal fraction γ of each draw, [K·N] draw-major; undefined for heads without noise. */
  readonly gamma?: Float64Array;
}

/** Sampling options passed through `generate`; each head fills what is unset from its own config. */
export interface HeadSampleOptions {
  /** Refinement steps per patch for iterative heads (diffusion: denoising steps); ignored by one-shot heads. */
  readonly steps?: number;
  /** The head's sampler by name (diffusion: one of `SAMPLERS`); a head throws a SettingError for a name it lacks. */
  readonly sampler?: string;
  /** Scales the injected noise; 1 = the model's distribution. Ignored by deterministic heads. */
  readonly temperature: number;
  /** Source of the sampling noise. */
  readonly rng: Rng;
}

/** A prediction head over conditions from any backbone. */
export interface DarlHead<P = TensorTree> {
  /** Short name recorded in checkpoints, e.g. 'mse' or 'diffusion'. */
  readonly kind: string;
  /** Creates the head's parameters (tf.Variables). */
  init(seed: number): P;
  /**
   * Training loss. Differentiable; call inside a gradient closure.
   * @param targets float32 [N, D]
   * @param conditions float32 [N, C]
   */
  loss(params: P, targets: tf.Tensor2D, conditions: tf.Tensor2D, rng: Rng): HeadLoss;
  /**
   * The next patch for each condition: a sample (diffusion) or the mean prediction (MSE).
   * @param conditions float32 [N, C]
   * @returns float32 [N, D]
   */
  predict(params: P, conditions: tf.Tensor2D, opts: HeadSampleOptions): tf.Tensor2D;
}
