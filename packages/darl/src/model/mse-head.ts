/**
 * The MSE head: a linear map from the backbone output to the next patch, trained with mean squared error.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyLinear, initLinear, type LinearParams } from '@darl/transformer';
import { Rng } from '@darl/tensor-backend';
import type { DarlHead, HeadLoss } from './head.js';
import type { DarlObjective } from './objective.js';

/** Parameters of {@link mseHead}: one linear layer C → D. */
export interface MseHeadParams {
  /** The linear layer C → D: weight `[C, D]`, bias `[D]`. */
  readonly out: LinearParams;
}

/**
 * Linear head to P·P·C with MSE against the next patch.
 * @param width backbone width C
 * @param patchDim patch dimension D
 */
export function mseHead(width: number, patchDim: number): DarlHead<MseHeadParams> {
  return {
    kind: 'mse',
    init(seed: number): MseHeadParams {
      return { out: initLinear(width, patchDim, { seed: new Rng(seed).fork('mse-head'), init: 'xavier' }) };
    },
    loss(params, targets, conditions): HeadLoss {
      return tf.tidy(() => {
        const pred = applyLinear(params.out, conditions); // [N, D]
        const perTarget = tf.mean(tf.squaredDifference(pred, targets), 1) as tf.Tensor1D; // [N]
        return { loss: tf.mean(perTarget) as tf.Scalar, perTarget, draws: 1 };
      });
    },
    predict(params, conditions) {
      return applyLinear(params.out, conditions) as tf.Tensor2D;
    },
  };
}

/** The `mse` objective: no settings of its own. */
export const mseObjective: DarlObjective<undefined> = {
  head: (_settings, width, patchDim) => mseHead(width, patchDim) as DarlHead<never>,
};
