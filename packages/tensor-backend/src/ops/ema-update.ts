/**
 * The exponential-moving-average update of many tensors as one op: on a backend with the fused `DarlEmaUpdate`
 * kernel (the native backend) one kernel call updates every shadow variable in place; everywhere else, and for a
 * shadow whose buffer another tensor shares (e.g. right after `new Ema(params)`, when the shadow is the parameter's
 * buffer), the composite tfjs code per tensor. Both compute the same float32 operations in the same order.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasKernel } from './has-kernel.js';
import { soleOwner } from './sole-owner.js';

/** Fused EMA: inputs `s0, p0, s1, p1, …` (float32), attr `decay`; no outputs (the `s` are updated in place). */
export const EMA_UPDATE_KERNEL = 'DarlEmaUpdate';

/** Attributes of {@link EMA_UPDATE_KERNEL}. */
export interface EmaUpdateAttrs {
  readonly decay: number;
  readonly count: number;
}

/** `shadow ← shadow · decay + param · (1 − decay)` for every pair (params only read). */
export function emaUpdate(pairs: readonly { readonly shadow: tf.Variable; readonly param: tf.Tensor }[], decay: number): void {
  let rest = pairs;
  if (hasKernel(EMA_UPDATE_KERNEL)) {
    const fused = pairs.filter((x) => soleOwner(x.shadow) && x.param.dtype === 'float32');
    if (fused.length > 0) {
      const inputs: tf.NamedTensorMap = {};
      fused.forEach((x, i) => {
        inputs[`s${i}`] = x.shadow;
        inputs[`p${i}`] = x.param;
      });
      const attrs: EmaUpdateAttrs = { decay, count: fused.length };
      tf.engine().runKernel(EMA_UPDATE_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap);
      const done = new Set(fused);
      rest = pairs.filter((x) => !done.has(x));
    }
  }
  for (const { shadow: s, param: p } of rest) tf.tidy(() => s.assign(tf.add(tf.mul(s, decay), tf.mul(p, 1 - decay))));
}
