/**
 * A custom DARL head: a per-pixel Gaussian. Where the MSE head predicts only the mean of the next patch, this head
 * also predicts a log-variance per pixel and is trained with the Gaussian negative log-likelihood, so generation can
 * sample (mean + temperature · σ · ε) instead of always producing the blurry mean. It implements darl's `DarlHead`
 * interface: `init`, `loss(params, targets, conditions, rng)` and `predict(params, conditions, opts)`.
 *
 * Glossary: N predicted patches (B·L), C backbone width, D patch dimension P·P·channels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@darl/tensor-backend';
import { applyLinear, initLinear, type LinearParams } from '@darl/transformer';
import type { DarlHead, HeadLoss } from '@darl/darl';

/** Parameters: two linear maps C → D (mean and log-variance). */
export interface GaussianHeadParams {
  readonly mean: LinearParams;
  readonly logVar: LinearParams;
}

/** Log-variance is kept in [MIN_LOG_VAR, MAX_LOG_VAR] so the likelihood cannot run off to infinity. */
const MIN_LOG_VAR = -6;
const MAX_LOG_VAR = 2;

/**
 * A Gaussian head for conditions of width `width` predicting patches of dimension `patchDim`.
 * Loss per target: mean over pixels of ½·(log σ² + (x − μ)² / σ²) (the NLL up to a constant).
 */
export function gaussianHead(width: number, patchDim: number): DarlHead<GaussianHeadParams> {
  const moments = (params: GaussianHeadParams, conditions: tf.Tensor2D) =>
    tf.tidy(() => {
      const mean = applyLinear(params.mean, conditions) as tf.Tensor2D; // [N, D]
      const logVar = tf.clipByValue(applyLinear(params.logVar, conditions), MIN_LOG_VAR, MAX_LOG_VAR) as tf.Tensor2D; // [N, D]
      return { mean, logVar };
    });
  return {
    kind: 'gaussian',
    init(seed: number): GaussianHeadParams {
      const rng = new Rng(seed);
      return {
        mean: initLinear(width, patchDim, { seed: rng.fork('mean'), init: 'xavier' }),
        logVar: initLinear(width, patchDim, { seed: rng.fork('log-var'), init: 'xavier' }),
      };
    },
    loss(params, targets, conditions): HeadLoss {
      return tf.tidy(() => {
        const { mean, logVar } = moments(params, conditions);
        const nll = tf.mul(0.5, tf.add(logVar, tf.mul(tf.squaredDifference(targets, mean), tf.exp(tf.neg(logVar))))); // [N, D]
        const perTarget = tf.mean(nll, 1) as tf.Tensor1D; // [N]
        return { loss: tf.mean(perTarget) as tf.Scalar, perTarget, draws: 1 };
      });
    },
    predict(params, conditions, opts) {
      return tf.tidy(() => {
        const { mean, logVar } = moments(params, conditions);
        if (opts.temperature === 0) return mean;
        const eps = opts.rng.normal(mean.shape); // [N, D]
        return tf.add(mean, tf.mul(tf.mul(tf.exp(tf.mul(0.5, logVar)), eps), opts.temperature)) as tf.Tensor2D;
      });
    },
  };
}
