import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@darl/tensor-backend';
import { applyLinear, initLinear, type LinearParams } from '@darl/transformer';
import { buildDarl, darlLoss, initDarlParams, type DarlHead, type DarlHeadSizes } from '@darl/darl';
import { Rng } from '@darl/tensor-backend';

await useBackend('wasm');

/** An L1 head: a linear map C → D trained with mean absolute error (it predicts the median patch). */
function l1Head({ width, patchDim }: DarlHeadSizes): DarlHead<{ out: LinearParams }> {
  return {
    kind: 'l1',
    init: (seed) => ({ out: initLinear(width, patchDim, { seed }) }),
    loss: (params, targets, conditions) =>
      tf.tidy(() => {
        const pred = applyLinear(params.out, conditions); // [N, C] → [N, D]
        const perTarget = tf.mean(tf.abs(tf.sub(pred, targets)), 1) as tf.Tensor1D; // [N]
        return { loss: tf.mean(perTarget) as tf.Scalar, perTarget, draws: 1 };
      }),
    predict: (params, conditions) => applyLinear(params.out, conditions), // the next patch, [N, D]
  };
}

// 16×16 RGB at patch 4: D = 48. The factory gets the sizes; buildDarl checks the head's shapes once.
const model = buildDarl({ image: { height: 16, width: 16, channels: 3 }, patchSize: 4, backbone: { preset: 'tiny' } }, { head: l1Head });
const params = initDarlParams(model, { seed: 0 });
const images = new Rng(1).uniform([8, 16, 16, 3], -1, 1) as tf.Tensor4D; // [B, H, W, Ch] in [−1, 1]
const { loss } = darlLoss(model, params, images, { rng: new Rng(2) });
// With the run machinery: pretrain({ run, datasets, out, parts: { head: l1Head } }); loadRun(out, { parts: { head: l1Head } }).
