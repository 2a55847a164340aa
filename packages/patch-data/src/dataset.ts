/**
 * The dataset interface every loader returns: a fixed number of same-sized images stored as bytes, with optional
 * integer labels, readable one at a time into a caller's buffer.
 *
 * Glossary: `N` images, `H` height, `W` width, `C` channels. Pixels are bytes 0…255 in HWC order (row-major,
 * channels interleaved: the byte for pixel (y, x), channel c of image i sits at `i·H·W·C + (y·W + x)·C + c`).
 *
 * @module
 */
import { UserError } from '@darl/tensor-backend';

/** A random-access image dataset. Every image has the same `[height, width, channels]` shape. */
export interface ImageDataset {
  /** Human-readable name, e.g. `"embedded-digits/train"` or `"idx:/data/fashion-mnist/train"`. */
  readonly name: string;
  /** Number of images `N`. */
  readonly size: number;
  /** Image height `H` in pixels. */
  readonly height: number;
  /** Image width `W` in pixels. */
  readonly width: number;
  /** Channels `C` per pixel (1 grayscale, 3 RGB, 4 RGBA). */
  readonly channels: number;
  /** Number of classes when the dataset is labelled, `null` when it is not. */
  readonly numClasses: number | null;
  /** Class names indexed by label, when known. */
  readonly classNames?: string[];
  /** Label of image `i` (0 … numClasses − 1), or `null` for an unlabelled dataset. */
  label(i: number): number | null;
  /** Copies image `i` as `H·W·C` bytes (HWC order) into `out` starting at `offset`. */
  readInto(i: number, out: Uint8Array, offset: number): void;
}

/** Raised for unreadable, truncated or inconsistent dataset input; the message names the file or argument. */
export class DatasetError extends UserError {
  override readonly name = 'DatasetError';
}

/** Bytes per image of a dataset: `H·W·C`. */
export function imageBytes(dataset: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return dataset.height * dataset.width * dataset.channels;
}

/** Throws unless `i` is an integer index into a dataset of `size` images. */
export function checkIndex(where: string, i: number, size: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= size) {
    throw new RangeError(`${where}: image index must be an integer in [0, ${size}), got ${i}.`);
  }
}

/**
 * Reads the images at `indices` into one new `Uint8Array` of shape `[indices.length, H, W, C]`.
 *
 * @returns pixels uint8 `[B, H, W, C]` (flat)
 */
export function readImages(dataset: ImageDataset, indices: ArrayLike<number>): Uint8Array {
  const per = imageBytes(dataset);
  const out = new Uint8Array(indices.length * per);
  for (let k = 0; k < indices.length; k++) dataset.readInto(indices[k]!, out, k * per);
  return out;
}

/** Labels of the images at `indices` as an `Int32Array`; `-1` where the dataset has no label. */
export function readLabels(dataset: ImageDataset, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = dataset.label(indices[k]!) ?? -1;
  return out;
}
