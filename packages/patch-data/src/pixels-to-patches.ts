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

/**
 * Bytes → scaled patches in raster order (layout of `patchify`: patch `r·w + c`, pixels row-major inside a patch,
 * channels last).
 *
 * @param bytes uint8 `[B, H, W, C]` (flat, HWC per image)
 * @param shape `[B, H, W, C]`
 * @param patchSize `P`, dividing `H` and `W`
 * @returns patches float32 `[B, L, P·P·C]` with `L = (H/P)·(W/P)`; the caller owns it
 */
export function pixelsToPatches(
  bytes: Uint8Array,
  shape: readonly [number, number, number, number],
  patchSize: number,
  opts: PixelsToTensorOptions,
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
  const out = new Float32Array(n);
  let o = 0;
  for (let i = 0; i < b; i++) {
    const base = i * height * width * channels;
    for (let r = 0; r < gh; r++) {
      for (let c = 0; c < gw; c++) {
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
