/**
 * Images ↔ patch sequences.
 *
 * Layout (identical to MAE's `patchify`, einsum `nchpwq -> nhwpqc`): an image `[H, W, C]` is cut into a grid of
 * `h = H/P` rows × `w = W/P` columns of `P×P` patches. Patches are listed in raster order (row by row, left to
 * right): patch `l = r·w + c` covers pixels `y ∈ [r·P, r·P + P)`, `x ∈ [c·P, c·P + P)`. Inside a patch vector of
 * length `P·P·C`, pixels are row-major and channels are last: element `(py·P + px)·C + ch` is pixel
 * `(r·P + py, c·P + px)`, channel `ch`.
 *
 * Both functions are reshapes and one rank-4 transpose, so they have gradients on every backend.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, ShapeError } from '@darl/tensor-backend';

function checkPatchSize(where: string, patchSize: number, height: number, width: number): void {
  if (!Number.isInteger(patchSize) || patchSize <= 0) {
    throw new ShapeError(`${where}: patchSize must be a positive integer, got ${patchSize}.`);
  }
  if (height % patchSize !== 0 || width % patchSize !== 0) {
    throw new ShapeError(
      `${where}: patchSize ${patchSize} must divide the image height and width, got a ${height}×${width} image ` +
        `(${height} mod ${patchSize} = ${height % patchSize}, ${width} mod ${patchSize} = ${width % patchSize}). ` +
        'Choose a patch size that divides both, or resize/crop the images.',
    );
  }
}

/**
 * Cuts images into non-overlapping `P×P` patches in raster order.
 *
 * @param images float32 (or any dtype) `[B, H, W, C]`
 * @param patchSize `P`, dividing `H` and `W`
 * @returns patches `[B, L, P·P·C]` with `L = (H/P)·(W/P)`; the caller owns it
 */
export function patchify(images: tf.Tensor4D, patchSize: number): tf.Tensor3D {
  assertRank('patchify', 'images', images.shape, 4);
  const [b, height, width, channels] = images.shape;
  checkPatchSize('patchify', patchSize, height, width);
  const p = patchSize;
  const h = height / p;
  const w = width / p;
  return tf.tidy(() => {
    // [B·h, P, w, P·C] → [B·h, w, P, P·C] → [B, h·w, P·P·C]
    const x = tf.reshape(images, [b * h, p, w, p * channels]);
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, h * w, p * p * channels]);
  });
}

/** Image geometry for {@link unpatchify}. */
export interface PatchGeometry {
  /** Image height H in pixels. */
  readonly height: number;
  /** Image width W in pixels. */
  readonly width: number;
  /** Channels per pixel C. */
  readonly channels: number;
  /** Side P of the square patches. */
  readonly patchSize: number;
}

/**
 * Inverse of {@link patchify}: reassembles raster-ordered patches into images.
 *
 * @param patches `[B, L, P·P·C]` with `L = (H/P)·(W/P)`
 * @returns images `[B, H, W, C]`; the caller owns it
 */
export function unpatchify(patches: tf.Tensor3D, geometry: PatchGeometry): tf.Tensor4D {
  assertRank('unpatchify', 'patches', patches.shape, 3);
  const { height, width, channels, patchSize: p } = geometry;
  if (!Number.isInteger(channels) || channels <= 0) {
    throw new ShapeError(`unpatchify: channels must be a positive integer, got ${channels}.`);
  }
  checkPatchSize('unpatchify', p, height, width);
  const h = height / p;
  const w = width / p;
  const [b, l, d] = patches.shape;
  if (l !== h * w || d !== p * p * channels) {
    throw new ShapeError(
      `unpatchify: "patches" must have shape [B, L=${h * w}, D=${p * p * channels}] for ${height}×${width}×${channels} images ` +
        `with patch size ${p}, got [${patches.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    // [B·h, w, P, P·C] → [B·h, P, w, P·C] → [B, H, W, C]
    const x = tf.reshape(patches, [b * h, w, p, p * channels]);
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, height, width, channels]);
  });
}
