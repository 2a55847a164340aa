/**
 * Rotary position embedding (RoPE), 1-D and 2-D (axial).
 *
 * Layout ("rotate-half" pairing, as GPT-NeoX / LLaMA-HF / EVA): a head's `dh` channels are cut into `S` sections
 * (`S = 2` for `rope2d`: the first `dh/2` channels rotate with the row, the last `dh/2` with the column; `S = 1` for
 * `rope1d`: all channels rotate with the sequence index). In a section of `m` channels, channel `j` and `j + m/2`
 * (`j < m/2`) form a pair rotated by the angle `p · θ^(−2j/m)` (`p` the section's position, `θ` = `ropeBase`):
 * `x1' = x1·cos − x2·sin`, `x2' = x2·cos + x1·sin`.
 *
 * Implementation: `x' = x ⊙ cos + swap(x) ⊙ sin±` (`@darl/tensor-backend`'s `rotate`: `swap` exchanges the two
 * halves of each section as one plain 2-D matmul with a constant permutation matrix, wasm's `Reverse` kernel being
 * ~50× slower; `sin±` is the sine table with the sign of the first half folded in; the native backend's fused
 * attention applies the same rotation inside its kernel). Tables are computed in float64 on the CPU from the
 * positions.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, rotate, type RotaryTables } from '@darl/tensor-backend';

/**
 * RoPE constants of one call: `cos`, `sin` float32 `[L, dh]` (the sine with the sign of each section's first half
 * negated), `swap` float32 `[dh, dh]`, and `sections` 1 or 2 — `@darl/tensor-backend`'s `RotaryTables`, which its
 * attention ops (and their fused kernels) apply.
 */
export type RopeTables = RotaryTables;

/**
 * Builds RoPE tables. `positions` has one array per section: `[rows, cols]` for 2-D, `[indices]` for 1-D; each of
 * length `L`. The caller owns the returned tensors.
 *
 * @param headDim `dh`; divisible by `2 · sections`
 * @param base frequency base θ (10 000 by default in configs)
 */
export function ropeTables(positions: readonly ArrayLike<number>[], headDim: number, base: number): RopeTables {
  const sections = positions.length;
  if (sections !== 1 && sections !== 2) throw new Error(`ropeTables: expected 1 or 2 position arrays, got ${sections}.`);
  const m = headDim / sections;
  if (!Number.isInteger(m / 2)) {
    throw new Error(`ropeTables: head dimension ${headDim} must be divisible by ${2 * sections} for ${sections}-D RoPE.`);
  }
  const L = positions[0]!.length;
  const half = m / 2;
  const cos = new Float32Array(L * headDim);
  const sin = new Float32Array(L * headDim);
  for (let t = 0; t < L; t++) {
    for (let s = 0; s < sections; s++) {
      const p = positions[s]![t]!;
      for (let j = 0; j < half; j++) {
        const angle = p * Math.pow(base, (-2 * j) / m);
        const c = Math.cos(angle);
        const sn = Math.sin(angle);
        const i1 = t * headDim + s * m + j;
        const i2 = i1 + half;
        cos[i1] = c;
        cos[i2] = c;
        sin[i1] = -sn;
        sin[i2] = sn;
      }
    }
  }
  const swap = new Float32Array(headDim * headDim);
  for (let s = 0; s < sections; s++) {
    for (let j = 0; j < half; j++) {
      const i1 = s * m + j;
      const i2 = i1 + half;
      swap[i1 * headDim + i2] = 1; // output channel i2 takes input channel i1
      swap[i2 * headDim + i1] = 1;
    }
  }
  return {
    cos: tf.tensor2d(cos, [L, headDim]),
    sin: tf.tensor2d(sin, [L, headDim]),
    swap: tf.tensor2d(swap, [headDim, headDim]),
    sections: sections as 1 | 2,
  };
}

/**
 * Rotates queries or keys by their positions.
 *
 * @param x float32 `[..., L, dh]`, e.g. `[B·H, L, dh]`
 * @param tables from {@link ropeTables}, `[L, dh]`
 * @returns float32 `[..., L, dh]` (owned by the caller)
 */
export function applyRope(x: tf.Tensor, tables: RopeTables): tf.Tensor {
  const dims = assertShape('applyRope', 'tables.cos', tables.cos.shape, ['L', 'dh']);
  assertShape('applyRope', 'tables.sin', tables.sin.shape, ['L', 'dh'], dims);
  assertShape('applyRope', 'tables.swap', tables.swap.shape, ['dh', 'dh'], dims);
  if (x.rank < 2) assertShape('applyRope', 'x', x.shape, ['L', 'dh'], dims);
  assertShape('applyRope', 'x', x.shape, [...new Array<null>(x.rank - 2).fill(null), 'L', 'dh'], dims);
  return tf.tidy(() => rotate(x, tables));
}
