/**
 * Datasets over images already in memory: one `Uint8Array` holding all images back to back (HWC bytes), plus
 * optional labels. Every file loader of this package stores its pixels this way, so a dataset holds exactly one
 * decoded copy of its images.
 *
 * @module
 */
import { checkIndex, DatasetError, type ImageDataset } from './dataset.js';

/** What {@link arrayDataset} needs. */
export interface ArrayDatasetOptions {
  /** Name reported by the dataset (default `"array"`). */
  readonly name?: string;
  /** All images back to back, uint8 `[N, H, W, C]` (flat, HWC per image). Not copied. */
  readonly images: Uint8Array;
  /** Image height H in pixels. */
  readonly height: number;
  /** Image width W in pixels. */
  readonly width: number;
  /** Channels per pixel C (1 grey, 3 RGB). */
  readonly channels: number;
  /** One label per image (0 … numClasses − 1); omit for an unlabelled dataset. Not copied. */
  readonly labels?: ArrayLike<number>;
  /** Number of classes; defaults to `max(labels) + 1`, or `classNames.length` when names are given. */
  readonly numClasses?: number;
  /** Class names indexed by label. */
  readonly classNames?: readonly string[];
}

/**
 * An {@link ImageDataset} over in-memory bytes. Validates that the byte count is a whole number of images, that
 * labels (if given) are one per image and in range.
 *
 * @example
 * const ds = arrayDataset({ images: bytes, height: 28, width: 28, channels: 1, labels });
 */
export function arrayDataset(opts: ArrayDatasetOptions): ImageDataset {
  const name = opts.name ?? 'array';
  const { images, height, width, channels } = opts;
  for (const [k, v] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new DatasetError(`arrayDataset(${name}): ${k} must be a positive integer, got ${String(v)}.`);
    }
  }
  if (!(images instanceof Uint8Array)) {
    throw new DatasetError(`arrayDataset(${name}): images must be a Uint8Array of HWC bytes, got ${Object.prototype.toString.call(images)}.`);
  }
  const per = height * width * channels;
  if (images.length % per !== 0) {
    throw new DatasetError(
      `arrayDataset(${name}): images holds ${images.length} bytes, which is not a whole number of ${height}×${width}×${channels} images ` +
        `(${per} bytes each). Check the image shape.`,
    );
  }
  const size = images.length / per;
  const labels = opts.labels;
  let numClasses: number | null = null;
  if (labels !== undefined) {
    if (labels.length !== size) {
      throw new DatasetError(`arrayDataset(${name}): expected one label per image (${size}), got ${labels.length} labels.`);
    }
    let max = -1;
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      if (!Number.isInteger(l) || l < 0) {
        throw new DatasetError(`arrayDataset(${name}): label ${i} is ${l}; labels must be non-negative integers.`);
      }
      if (l > max) max = l;
    }
    numClasses = opts.numClasses ?? opts.classNames?.length ?? max + 1;
    if (max >= numClasses) {
      throw new DatasetError(`arrayDataset(${name}): a label is ${max} but numClasses is ${numClasses}; labels must be < numClasses.`);
    }
  } else if (opts.numClasses !== undefined) {
    throw new DatasetError(`arrayDataset(${name}): numClasses was given without labels; pass labels too or leave numClasses out.`);
  }
  if (opts.classNames !== undefined && numClasses !== null && opts.classNames.length !== numClasses) {
    throw new DatasetError(`arrayDataset(${name}): ${opts.classNames.length} class names given for ${numClasses} classes.`);
  }
  const classNames = opts.classNames ? [...opts.classNames] : undefined;
  return {
    name,
    size,
    height,
    width,
    channels,
    numClasses,
    ...(classNames ? { classNames } : {}),
    label(i: number): number | null {
      checkIndex(`${name}.label`, i, size);
      return labels === undefined ? null : labels[i]!;
    },
    readInto(i: number, out: Uint8Array, offset: number): void {
      checkIndex(`${name}.readInto`, i, size);
      out.set(images.subarray(i * per, (i + 1) * per), offset);
    },
  };
}
