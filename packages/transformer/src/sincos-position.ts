/**
 * Fixed 2-D sine-cosine position embedding (MAE's `get_2d_sincos_pos_embed`, evaluated at arbitrary (row, col)).
 *
 * Of the `D` channels, the first `D/2` encode the column and the last `D/2` the row (MAE's order: its `emb_h` is
 * computed from the meshgrid's first coordinate, which is the column). Each half is `[sin(p·ω), cos(p·ω)]` with
 * `ω_k = 10000^(−k / (D/4))`, `k < D/4`. Added to the tokens before the first block.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TokenPositions } from './positions.js';

/**
 * The embedding of each position.
 *
 * @returns float32 `[L, D]` (owned by the caller); `width` must be divisible by 4
 */
export function sincos2dTable(positions: TokenPositions, width: number): tf.Tensor2D {
  if (width % 4 !== 0) throw new Error(`sincos2dTable: width must be divisible by 4, got ${width}.`);
  const L = positions.rows.length;
  const quarter = width / 4;
  const out = new Float32Array(L * width);
  for (let t = 0; t < L; t++) {
    const coords = [positions.cols[t]!, positions.rows[t]!];
    for (let h = 0; h < 2; h++) {
      for (let k = 0; k < quarter; k++) {
        const angle = coords[h]! * Math.pow(10_000, -k / quarter);
        out[t * width + h * 2 * quarter + k] = Math.sin(angle);
        out[t * width + h * 2 * quarter + quarter + k] = Math.cos(angle);
      }
    }
  }
  return tf.tensor2d(out, [L, width]);
}
