/**
 * The fused data path: bytes straight to a patch-sequence tensor, in one JavaScript pass and one upload — the
 * same result as `patchify(pixelsToTensor(bytes, shape, opts), patchSize)` without the backend transpose (which is
 * the slow part on the `cpu` backend).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@darl/tensor-backend';
import { pixelLookupTable, type PixelsToTensorOptions } from './normalize.js';
import type { PatchOrder } from './patch-order.js';

/** Options of {@link pixelsToPatches}. */
export interface PixelsToPatchesOptions extends PixelsToTensorOptions {
  /**
   * Emit the patches in this order (as `orderPatches` would), computed while copying — no `gather` op. Default:
   * raster order.
   */
  readonly order?: PatchOrder;
}

/**
 * Bytes → scaled patches (layout of `patchify`: pixels row-major inside a patch, channels last), in raster order
 * (patch `r·w + c` at position `r·w + c`) or in `opts.order` (patch `order.permutation[s]` at position `s`).
 *
 * @param bytes uint8 `[B, H, W, C]` (flat, HWC per image)
 * @param shape `[B, H, W, C]`
 * @param patchSize `P`, dividing `H` and `W`
 * @returns patches float32 `[B, L, P·P·C]` with `L = (H/P)·(W/P)`; the caller owns it
 *
 * @example
 * const { pixels, shape } = stream.next();
 * const patches = pixelsToPatches(pixels, shape, 4, { scale: 'minus-one-one', order });   // [B, 49, 16]
 */
export function pixelsToPatches(
  bytes: Uint8Array,
  shape: readonly [number, number, number, number],
  patchSize: number,
  opts: PixelsToPatchesOptions,
): tf.Tensor3D {
  if (!Array.isArray(shape) || shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`pixelsToPatches: shape must be [B, H, W, C] (four non-negative integers), got ${JSON.stringify(shape)}.`);
  }
  const [b, height, width, channels] = shape;
  const n = b * height * width * channels;
  if (bytes.length !== n) {
    throw new ShapeError(`pixelsToPatches: "bytes" holds ${bytes.length} values but shape [${shape.join(', ')}] needs ${n}.`);
  }
  const p = patchSize;
  if (!Number.isInteger(p) || p <= 0 || height % p !== 0 || width % p !== 0) {
    throw new ShapeError(
      `pixelsToPatches: patchSize must be a positive integer dividing the image height and width, got ${p} for a ${height}×${width} image.`,
    );
  }
  const lut = pixelLookupTable(opts.scale, channels);
  const gw = width / p;
  const gh = height / p;
  const rowLen = p * channels; // one patch row = one contiguous run of the image row
  const order = opts.order;
  if (order !== undefined && (order.rows !== gh || order.cols !== gw)) {
    throw new ShapeError(
      `pixelsToPatches: the order "${order.name}" is for a ${order.rows}×${order.cols} patch grid, but ${height}×${width} images with patch size ${p} make a ${gh}×${gw} grid.`,
    );
  }
  const out = new Float32Array(n);
  let o = 0;
  for (let i = 0; i < b; i++) {
    const base = i * height * width * channels;
    for (let seq = 0; seq < gh * gw; seq++) {
      const raster = order === undefined ? seq : order.permutation[seq]!;
      const r = Math.floor(raster / gw);
      const c = raster - r * gw;
      {
        for (let py = 0; py < p; py++) {
          let s = base + ((r * p + py) * width + c * p) * channels;
          if (channels === 1) {
            for (let k = 0; k < rowLen; k++) out[o++] = lut[bytes[s++]!]!;
          } else {
            for (let k = 0; k < rowLen; k++) out[o++] = lut[(k % channels) * 256 + bytes[s++]!]!;
          }
        }
      }
    }
  }
  return tf.tensor3d(out, [b, gh * gw, p * p * channels], 'float32');
}
