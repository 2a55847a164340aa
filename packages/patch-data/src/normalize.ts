/**
 * Pixel scaling and MAE-style per-patch normalised targets ("norm-pix").
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, ShapeError } from '@darl/tensor-backend';
import { imageBytes, type ImageDataset } from './dataset.js';

/**
 * How bytes become floats: `'minus-one-one'` maps 0…255 to [-1, 1] (`b / 127.5 − 1`), `'unit'` to [0, 1]
 * (`b / 255`), `{ mean, std }` standardises per channel in unit scale (`(b / 255 − mean[c]) / std[c]`, the
 * torchvision `ToTensor` + `Normalize` convention; a single number applies to every channel).
 */
export type PixelScale =
  | 'minus-one-one'
  | 'unit'
  | {
      /** Mean subtracted from [0, 1] pixels: one number, or one per channel. */
      readonly mean: number | readonly number[];
      /** Standard deviation the centred pixels are divided by: one number, or one per channel. */
      readonly std: number | readonly number[];
    };

/** The named pixel scales (the `{ mean, std }` form aside). */
export const PIXEL_SCALES = ['minus-one-one', 'unit'] as const;

/** The scale darl trains and evaluates at unless told otherwise: bytes → [-1, 1]. */
export const DEFAULT_PIXEL_SCALE = 'minus-one-one' satisfies PixelScale;

/**
 * The float range bytes 0…255 map to under `scale` (over all channels for `{ mean, std }`), e.g. to turn model
 * outputs back into pixels: `[-1, 1]`, `[0, 1]`, or `[min_c −mean[c]/std[c], max_c (1 − mean[c])/std[c]]`.
 */
export function pixelRange(scale: PixelScale): [number, number] {
  if (scale === 'minus-one-one') return [-1, 1];
  if (scale === 'unit') return [0, 1];
  const mean = typeof scale.mean === 'number' ? [scale.mean] : [...scale.mean];
  const std = typeof scale.std === 'number' ? mean.map(() => scale.std as number) : [...scale.std];
  const lo = Math.min(...mean.map((m, c) => (0 - m) / std[c % std.length]!));
  const hi = Math.max(...mean.map((m, c) => (1 - m) / std[c % std.length]!));
  return [lo, hi];
}

/** Options of {@link pixelsToTensor}. */
export interface PixelsToTensorOptions {
  /** How bytes become values: a named scale or per-channel `{ mean, std }` over [0, 1] pixels. */
  readonly scale: PixelScale;
}

function perChannel(where: string, what: string, v: number | readonly number[], channels: number): number[] {
  const arr = typeof v === 'number' ? new Array<number>(channels).fill(v) : [...v];
  if (arr.length !== channels || arr.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new RangeError(`${where}: ${what} must be a finite number or ${channels} finite numbers (one per channel), got ${JSON.stringify(v)}.`);
  }
  return arr;
}

/**
 * The 256-entry lookup table per channel that {@link pixelsToTensor} applies: `lut[c·256 + b]` is the float for
 * byte `b` in channel `c`.
 */
export function pixelLookupTable(scale: PixelScale, channels: number): Float32Array {
  const lut = new Float32Array(256 * channels);
  if (scale === 'minus-one-one' || scale === 'unit') {
    for (let c = 0; c < channels; c++) {
      for (let b = 0; b < 256; b++) lut[c * 256 + b] = scale === 'unit' ? b / 255 : b / 127.5 - 1;
    }
    return lut;
  }
  if (typeof scale !== 'object' || scale === null) {
    throw new RangeError(`pixelsToTensor: scale must be 'minus-one-one', 'unit' or { mean, std }, got ${JSON.stringify(scale)}.`);
  }
  const mean = perChannel('pixelsToTensor', 'scale.mean', scale.mean, channels);
  const std = perChannel('pixelsToTensor', 'scale.std', scale.std, channels);
  std.forEach((s, c) => {
    if (!(s > 0)) throw new RangeError(`pixelsToTensor: scale.std[${c}] must be > 0, got ${s}.`);
  });
  for (let c = 0; c < channels; c++) {
    for (let b = 0; b < 256; b++) lut[c * 256 + b] = (b / 255 - mean[c]!) / std[c]!;
  }
  return lut;
}

/**
 * Bytes → float32 image tensor.
 *
 * @param bytes uint8 `[B, H, W, C]` (flat, HWC per image), e.g. a {@link BatchStream} batch's `pixels`
 * @param shape `[B, H, W, C]`
 * @returns images float32 `[B, H, W, C]`; the caller owns it
 */
export function pixelsToTensor(
  bytes: Uint8Array,
  shape: readonly [number, number, number, number],
  opts: PixelsToTensorOptions,
): tf.Tensor4D {
  if (!Array.isArray(shape) || shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`pixelsToTensor: shape must be [B, H, W, C] (four non-negative integers), got ${JSON.stringify(shape)}.`);
  }
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  if (bytes.length !== n) {
    throw new ShapeError(`pixelsToTensor: "bytes" holds ${bytes.length} values but shape [${shape.join(', ')}] needs ${n}.`);
  }
  const channels = shape[3];
  const lut = pixelLookupTable(opts.scale, channels);
  const out = new Float32Array(n);
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = lut[bytes[i]!]!;
  } else {
    for (let i = 0; i < n; i += channels) {
      for (let c = 0; c < channels; c++) out[i + c] = lut[c * 256 + bytes[i + c]!]!;
    }
  }
  return tf.tensor4d(out, [shape[0], shape[1], shape[2], shape[3]], 'float32');
}

/** Per-channel mean and standard deviation of a dataset's pixels in unit scale (bytes / 255), for `{ mean, std }`. */
export function datasetMeanStd(dataset: ImageDataset, opts: { maxImages?: number } = {}): {
  /** Per-channel mean of the [0, 1] pixels `[C]`. */
  mean: number[];
  /** Per-channel standard deviation of the [0, 1] pixels `[C]`. */
  std: number[];
} {
  const count = Math.min(dataset.size, opts.maxImages ?? dataset.size);
  if (count <= 0) throw new RangeError(`datasetMeanStd: dataset "${dataset.name}" has no images to measure.`);
  const c = dataset.channels;
  const per = imageBytes(dataset);
  const buf = new Uint8Array(per);
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  for (let i = 0; i < count; i++) {
    dataset.readInto(i, buf, 0);
    for (let j = 0; j < per; j++) {
      const v = buf[j]! / 255;
      const k = j % c;
      sum[k] = sum[k]! + v;
      sumSq[k] = sumSq[k]! + v * v;
    }
  }
  const m = (count * per) / c;
  const mean = Array.from(sum, (s) => s / m);
  const std = Array.from(sumSq, (s, k) => Math.sqrt(Math.max(0, s / m - mean[k]! * mean[k]!)));
  return { mean, std };
}

/** Per-patch normalised targets and the statistics to undo them. */
export interface NormPixTargets {
  /** `(patches − mean) / std`, same shape as the input. */
  readonly targets: tf.Tensor;
  /** Mean over each patch's values, shape of the input with the last axis 1. */
  readonly mean: tf.Tensor;
  /** `√(var + eps)` per patch (unbiased variance, as `torch.var` in MAE), shape of the input with the last axis 1. */
  readonly std: tf.Tensor;
}

/**
 * MAE's norm-pix targets: each patch is standardised by the mean and variance of its own `P·P·C` values,
 * `target = (x − mean) / √(var + eps)` with `var` the **unbiased** variance (MAE calls `torch.Tensor.var`, whose
 * default divides by `D − 1`). Not differentiated through (targets are data).
 *
 * @param patches float32 `[B, L, D]` (or `[N, D]`), `D ≥ 2`
 * @param eps added to the variance (default 1e-6, as in MAE)
 * @returns `{ targets [B, L, D], mean [B, L, 1], std [B, L, 1] }`; the caller owns all three
 */
export function normPixTargets(patches: tf.Tensor, eps = 1e-6): NormPixTargets {
  if (patches.rank < 2) {
    throw new ShapeError(`normPixTargets: "patches" must have shape [..., D] with rank ≥ 2, got [${patches.shape.join(', ')}].`);
  }
  const d = patches.shape[patches.rank - 1]!;
  if (d < 2) throw new ShapeError(`normPixTargets: patches need D ≥ 2 values for a variance, got shape [${patches.shape.join(', ')}].`);
  if (!(eps >= 0)) throw new RangeError(`normPixTargets: eps must be ≥ 0, got ${eps}.`);
  return tf.tidy(() => {
    const mean = tf.mean(patches, -1, true);
    const centred = tf.sub(patches, mean);
    const variance = tf.div(tf.sum(tf.square(centred), -1, true), d - 1);
    const std = tf.sqrt(tf.add(variance, eps));
    return { targets: tf.div(centred, std), mean, std };
  });
}

/**
 * Turns norm-pix predictions back into pixel values: `pred · std + mean`.
 *
 * @param pred `[B, L, D]` (or `[N, D]`)
 * @param mean `[B, L, 1]` from {@link normPixTargets}
 * @param std `[B, L, 1]` from {@link normPixTargets}
 * @returns `[B, L, D]`; the caller owns it
 */
export function denormPix(pred: tf.Tensor, mean: tf.Tensor, std: tf.Tensor): tf.Tensor {
  const stats = [...pred.shape.slice(0, -1), 1];
  const dims = {};
  assertShape('denormPix', 'mean', mean.shape, stats, dims);
  assertShape('denormPix', 'std', std.shape, stats, dims);
  return tf.tidy(() => tf.add(tf.mul(pred, std), mean));
}
