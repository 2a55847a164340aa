/**
 * The AdamW update of many parameters as one op: on a backend with the fused `DarlAdamW` kernel (the native
 * backend) one kernel call updates every parameter, first and second moment in place; everywhere else, and for any
 * tensor whose buffer another tensor shares (where writing in place would change that tensor too), it is the
 * composite tfjs code per parameter. Both compute the same float32 operations in the same order.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasKernel } from './has-kernel.js';
import { soleOwner } from './sole-owner.js';

/** Fused AdamW: inputs `p0, g0, m0, v0, p1, …` (float32), attrs {@link AdamWKernelAttrs}; no outputs (in place). */
export const ADAMW_KERNEL = 'DarlAdamW';

/** One parameter's update: `p ← p·decay − m̂ / (√v̂ + ε) · lr'` in the form below. */
export interface AdamWItem {
  readonly param: tf.Variable;
  readonly grad: tf.Tensor;
  readonly m: tf.Variable;
  readonly v: tf.Variable;
  /** `1 − lr'·λ`, or 1 without weight decay. */
  readonly decay: number;
  /** `lr' / (1 − β₁ᵗ)`. */
  readonly stepScale: number;
}

/** Constants of one step, shared by every parameter. */
export interface AdamWConstants {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** `√(1 − β₂ᵗ)`. */
  readonly sqrtBias2: number;
}

/** Attributes of {@link ADAMW_KERNEL}: per-parameter `decay` and `stepScale`, and the constants. */
export interface AdamWKernelAttrs extends AdamWConstants {
  readonly decay: number[];
  readonly stepScale: number[];
}

function compositeUpdate(item: AdamWItem, c: AdamWConstants): void {
  const { param, grad: g, m: mVar, v: vVar } = item;
  tf.tidy(() => {
    const m = tf.add(tf.mul(mVar, c.beta1), tf.mul(g, 1 - c.beta1));
    const v = tf.add(tf.mul(vVar, c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
    const decayed = item.decay !== 1 ? tf.mul(param, item.decay) : param;
    const denom = tf.add(tf.div(tf.sqrt(v), c.sqrtBias2), c.eps);
    const p = tf.sub(decayed, tf.mul(tf.div(m, denom), item.stepScale));
    mVar.assign(m);
    vVar.assign(v);
    param.assign(p);
  });
}

/**
 * Applies one AdamW step to every item, per element:
 * `m ← β₁m + (1 − β₁)g`; `v ← β₂v + (1 − β₂)g²`; `p ← p·decay − (m / (√v / sqrtBias2 + ε))·stepScale`.
 * The variables are updated (in place where the fused kernel runs); the gradients are only read.
 */
export function adamwUpdate(items: readonly AdamWItem[], c: AdamWConstants): void {
  let rest = items;
  if (hasKernel(ADAMW_KERNEL)) {
    const fused = items.filter((it) => soleOwner(it.param) && soleOwner(it.m) && soleOwner(it.v));
    if (fused.length > 0) {
      const inputs: tf.NamedTensorMap = {};
      fused.forEach((it, i) => {
        inputs[`p${i}`] = it.param;
        inputs[`g${i}`] = it.grad;
        inputs[`m${i}`] = it.m;
        inputs[`v${i}`] = it.v;
      });
      const attrs: AdamWKernelAttrs = { ...c, decay: fused.map((it) => it.decay), stepScale: fused.map((it) => it.stepScale) };
      tf.engine().runKernel(ADAMW_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap);
      const done = new Set(fused);
      rest = items.filter((it) => !done.has(it));
    }
  }
  for (const item of rest) compositeUpdate(item, c);
}
