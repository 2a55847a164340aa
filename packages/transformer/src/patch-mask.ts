/**
 * Random patch masks for masked-image modelling (MAE, SimMIM): which patches an encoder sees, and mask-token insertion
 * to put the sequence back together for a decoder.
 *
 * Gathering and inserting are one-hot matrix products, not `gather`/`scatter`: they have gradients on every backend
 * (the wasm backend has no gradient for `gather`) and move values exactly (each output is one input times 1 plus
 * zeros).
 *
 * Each sequence has its own mask, so its visible tokens sit at other grid positions than its neighbours' — while
 * `applyTransformer`'s `positions` are shared by the whole batch. Add absolute position embeddings to the tokens
 * before gathering (e.g. `sincos2dTable` or a learned table) and run the encoder with `position: 'none'`, as MAE does;
 * add them again after `insertMaskTokens` for the decoder.
 *
 * Glossary: B batch, L patches per image, K visible patches, M = L − K masked patches, C token width.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, Rng, ShapeError } from '@darl/tensor-backend';

/** Which patches of each sequence are visible; plain numbers, no tensors. */
export interface PatchMask {
  /** B, the number of sequences. */
  readonly batch: number;
  /** L, the number of patches per sequence. */
  readonly length: number;
  /** K, the number of visible patches per sequence (the same for every sequence). */
  readonly visibleCount: number;
  /** Indices of the visible patches, [B, K] row-major, ascending within each sequence. */
  readonly visible: Int32Array;
  /** Indices of the masked patches, [B, M] row-major, ascending within each sequence. */
  readonly masked: Int32Array;
}

/**
 * Masks `round(ratio · L)` patches of each of `batch` sequences, chosen uniformly at random per sequence from `rng`
 * (advanced by the draw): the same seed gives the same mask.
 *
 * @param opts.ratio fraction of patches to mask, in [0, 1); at least one patch stays visible (MAE uses 0.75)
 */
export function randomPatchMask(batch: number, length: number, opts: { ratio: number; rng: Rng }): PatchMask {
  const { ratio, rng } = opts;
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(length) || length < 1) {
    throw new ShapeError(`randomPatchMask: batch and length must be positive integers, got batch ${batch} and length ${length}.`);
  }
  const m = Math.round(ratio * length);
  if (!(ratio >= 0) || m >= length) {
    throw new ShapeError(`randomPatchMask: ratio must be in [0, 1) and leave at least one of the ${length} patches visible, got ${ratio}.`);
  }
  const k = length - m;
  const visible = new Int32Array(batch * k);
  const masked = new Int32Array(batch * m);
  for (let b = 0; b < batch; b++) {
    const order = rng.permutation(length);
    visible.set(order.subarray(0, k).sort(), b * k);
    masked.set(order.subarray(k).sort(), b * m);
  }
  return { batch, length, visibleCount: k, visible, masked };
}

/**
 * The mask as a tensor: 1 for a masked patch, 0 for a visible one (e.g. to average a loss over masked patches only).
 * @returns float32 [B, L], owned by the caller
 */
export function patchMaskWeights(mask: PatchMask): tf.Tensor2D {
  const w = new Float32Array(mask.batch * mask.length);
  const m = mask.length - mask.visibleCount;
  for (let b = 0; b < mask.batch; b++) for (let j = 0; j < m; j++) w[b * mask.length + mask.masked[b * m + j]!] = 1;
  return tf.tensor2d(w, [mask.batch, mask.length]);
}

/** One-hot selection [B, K, L]: row (b, k) picks patch visible[b, k]. */
function selection(mask: PatchMask): tf.Tensor3D {
  return tf.tidy(() => {
    const hot = tf.oneHot(tf.tensor1d(mask.visible, 'int32'), mask.length); // [B·K, L] int32
    return tf.reshape(tf.cast(hot, 'float32'), [mask.batch, mask.visibleCount, mask.length]) as tf.Tensor3D;
  });
}

/**
 * The visible tokens of each sequence, in ascending patch order (what an MAE encoder sees).
 * @param tokens float32 [B, L, C]
 * @returns float32 [B, K, C], owned by the caller
 */
export function gatherVisible(tokens: tf.Tensor3D, mask: PatchMask): tf.Tensor3D {
  assertShape('gatherVisible', 'tokens', tokens.shape, [mask.batch, mask.length, 'C']);
  return tf.tidy(() => tf.matMul(selection(mask), tokens) as tf.Tensor3D);
}

/**
 * Puts visible tokens back at their patch positions and fills every masked position with `maskToken` (an MAE
 * decoder's input). `insertMaskTokens(gatherVisible(x, mask), token, mask)` replaces the masked tokens of `x` (SimMIM).
 * Differentiable in `visible` and `maskToken`.
 *
 * @param visible float32 [B, K, C], in the order of `mask.visible`
 * @param maskToken float32 [1, 1, C], usually a learned variable
 * @returns float32 [B, L, C], owned by the caller
 */
export function insertMaskTokens(visible: tf.Tensor3D, maskToken: tf.Tensor, mask: PatchMask): tf.Tensor3D {
  const dims = assertShape('insertMaskTokens', 'visible', visible.shape, [mask.batch, mask.visibleCount, 'C']);
  assertShape('insertMaskTokens', 'maskToken', maskToken.shape, [1, 1, 'C'], dims);
  return tf.tidy(() => {
    const placed = tf.matMul(selection(mask), visible, true, false); // [B, L, C], zeros at masked positions
    const filler = tf.mul(tf.expandDims(patchMaskWeights(mask), 2), maskToken); // [B, L, C], zeros at visible ones
    return tf.add(placed, filler) as tf.Tensor3D;
  });
}
