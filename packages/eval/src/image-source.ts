/**
 * The minimal view of a labelled image dataset that the protocols read: `@darl/patch-data`'s `ImageDataset`
 * satisfies it structurally, and so does any object with these members.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** A labelled image dataset: HWC bytes 0..255 per image (structurally a `@darl/patch-data` `ImageDataset`). */
export interface ImageSource {
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Class of image `i` (0-based), or null when unlabelled. */
  label(i: number): number | null;
  /** Copies image `i` as `height·width·channels` HWC bytes into `out` at `offset`. */
  readInto(i: number, out: Uint8Array, offset: number): void;
}

/**
 * How bytes 0..255 become model input: `minus-one-one` (x/127.5 − 1, the default), `unit` (x/255), or per-channel
 * `{ mean, std }` applied to x/255 (e.g. ImageNet statistics).
 */
export type PixelScale = 'minus-one-one' | 'unit' | { readonly mean: readonly number[]; readonly std: readonly number[] };

/** Every label of `source` as an Int32Array; throws (naming `where`) if an image is unlabelled. */
export function readLabels(source: ImageSource, where: string): Int32Array {
  const labels = new Int32Array(source.size);
  for (let i = 0; i < source.size; i++) {
    const y = source.label(i);
    if (y == null || !Number.isInteger(y) || y < 0) {
      throw new Error(`${where}: image ${i} has label ${String(y)}; the protocol needs a class index ≥ 0 for every image.`);
    }
    labels[i] = y;
  }
  return labels;
}

/** The raw bytes of images `indices` (HWC, concatenated). */
export function readPixels(source: ImageSource, indices: ArrayLike<number>): Uint8Array {
  const per = source.height * source.width * source.channels;
  const out = new Uint8Array(indices.length * per);
  for (let j = 0; j < indices.length; j++) source.readInto(indices[j]!, out, j * per);
  return out;
}

/**
 * Images `indices` of `source` as a normalised tensor.
 *
 * @returns float32 [B, H, W, C] with B = indices.length; the caller owns it
 */
export function readImageBatch(source: ImageSource, indices: ArrayLike<number>, scale: PixelScale = 'minus-one-one'): tf.Tensor4D {
  const bytes = readPixels(source, indices);
  const shape: [number, number, number, number] = [indices.length, source.height, source.width, source.channels];
  return scalePixels(bytes, shape, scale);
}

/**
 * Bytes → normalised float32 tensor.
 *
 * @param bytes HWC bytes 0..255, `B·H·W·C` of them
 * @returns float32 [B, H, W, C]; the caller owns it
 */
export function scalePixels(bytes: Uint8Array, shape: [number, number, number, number], scale: PixelScale = 'minus-one-one'): tf.Tensor4D {
  return tf.tensor4d(scaleBytes(bytes, shape[3], scale), shape);
}

/** Bytes (HWC, `channels` innermost) → normalised float32 values, per {@link PixelScale}. */
export function scaleBytes(bytes: Uint8Array, channels: number, scale: PixelScale = 'minus-one-one'): Float32Array {
  const n = bytes.length;
  const out = new Float32Array(n);
  if (scale === 'minus-one-one') {
    for (let i = 0; i < n; i++) out[i] = bytes[i]! / 127.5 - 1;
  } else if (scale === 'unit') {
    for (let i = 0; i < n; i++) out[i] = bytes[i]! / 255;
  } else {
    if (scale.mean.length !== channels || scale.std.length !== channels) {
      throw new Error(`scalePixels: { mean, std } must have one entry per channel (${channels}), got ${scale.mean.length} and ${scale.std.length}.`);
    }
    for (let i = 0; i < n; i++) out[i] = (bytes[i]! / 255 - scale.mean[i % channels]!) / scale.std[i % channels]!;
  }
  return out;
}

/** An {@link ImageSource} over bytes already in memory (HWC per image, images concatenated). */
export function arrayImageSource(
  pixels: Uint8Array,
  labels: ArrayLike<number>,
  shape: { height: number; width: number; channels: number },
): ImageSource {
  const per = shape.height * shape.width * shape.channels;
  if (pixels.length !== labels.length * per) {
    throw new Error(
      `arrayImageSource: ${labels.length} labels need ${labels.length * per} bytes (${shape.height}×${shape.width}×${shape.channels} each), got ${pixels.length}.`,
    );
  }
  return {
    size: labels.length,
    ...shape,
    label: (i) => labels[i]!,
    readInto: (i, out, offset) => out.set(pixels.subarray(i * per, (i + 1) * per), offset),
  };
}
