/**
 * Generation quality of a run, measured rather than only shown, written to `<run>/generation.json`: a small pixel
 * classifier is trained on the run's labelled training images (@darl/eval's quality classifier; nothing is
 * downloaded), then it scores prefix completions of test images (the first patches given; the completion should keep
 * the source's class) and, for sampling heads, unconditional samples: confidence, class spread, label agreement and
 * the Fréchet distance of its features to held-out test images, beside the real-vs-real floor at the same count.
 *
 * The completions' sources and the held-out real images are disjoint parts of the test split, so a completion that
 * copied its source would not lower the distance by matching itself.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { generationQuality, trainQualityClassifier, type GenerationQuality, type QualityClassifierConfig } from '@darl/eval';
import { arrayDataset, pixelRange, pixelsToTensor, readImages, readLabels, type ImageDataset } from '@darl/patch-data';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import type { BuildDarlOptions, DarlModel, DarlParams } from '../../model/darl-model.js';
import { generate } from '../../model/generate.js';
import { openJobData, type JobDatasets } from './job-data.js';
import { loadRun } from '../load-run.js';
import { RunError } from '../run-error.js';
import { writeReport } from '../report/index.js';
import { generationFileSchema, runPaths, type GenerationFile } from '../run-dir/index.js';
import { jsonFileText } from '../../run-dir/file-contents.js';

/** Options of {@link generationQualityRun}. */
export interface GenerationQualityRunOptions {
  /** Run directory of a pretrained model. */
  readonly run: string;
  /** The custom backbone/head the run was trained with (`pretrain({ parts })`), if any. */
  readonly parts?: BuildDarlOptions<unknown, unknown>;
  /** Labelled data as a spec (default: the data the run trained on); with `datasets`, only the name recorded. */
  readonly data?: string;
  /** Labelled data given directly, as `pretrain({ datasets })` takes it (e.g. a run trained on in-memory data). */
  readonly datasets?: JobDatasets;
  /** Generated images per measurement (default 500); the test split needs 3 × count images. */
  readonly count?: number;
  /** Patches given to each completion (default half the sequence, rounded down). */
  readonly prefixPatches?: number;
  /** Denoising steps per patch, sampler and noise temperature (diffusion heads; defaults from the head; see `generate`). */
  readonly steps?: number;
  /** Sampler (`ddim` or `ddpm`). */
  readonly sampler?: string;
  /** Scale of the injected sampling noise. */
  readonly temperature?: number;
  /** The quality classifier's settings (see @darl/eval). */
  readonly classifier?: Partial<QualityClassifierConfig>;
  /** Use the EMA weights when the run has them (default true). */
  readonly ema?: boolean;
  /** Seed of the generation and the classifier (default 0). */
  readonly seed?: number;
  /** Recorded in generation.json. */
  readonly backend?: string;
  /** Progress messages (one line each). */
  readonly onProgress?: (message: string) => void;
}

const CHUNK = 100;

/** Generated images as a dataset of bytes (the model's pixel range mapped linearly onto 0…255, as the sample grids). */
function generatedDataset(model: DarlModel, images: Float32Array, count: number, name: string): ImageDataset {
  const [lo, hi] = pixelRange(model.config.pixelScale);
  const bytes = new Uint8Array(images.length);
  for (let i = 0; i < images.length; i++) bytes[i] = Math.round(Math.min(255, Math.max(0, ((images[i]! - lo) / (hi - lo)) * 255)));
  const { height, width, channels } = model.config.image;
  if (bytes.length !== count * height * width * channels) throw new Error(`generationQualityRun: generated ${bytes.length} values for ${count} images.`);
  return arrayDataset({ name, images: bytes, height, width, channels });
}

/** A contiguous range of a dataset, as a view. */
function rangeView(data: ImageDataset, start: number, count: number): ImageDataset {
  const idx = Int32Array.from({ length: count }, (_, i) => start + i);
  return arrayDataset({ name: `${data.name} [${start}, ${start + count})`, images: readImages(data, idx), height: data.height, width: data.width, channels: data.channels, labels: readLabels(data, idx), ...(data.numClasses ? { numClasses: data.numClasses } : {}) });
}

/** Images made `CHUNK` at a time by `make`, each chunk read with `await data()`. */
async function generateInChunks(model: DarlModel, count: number, make: (start: number, n: number) => tf.Tensor4D): Promise<Float32Array> {
  const { height, width, channels } = model.config.image;
  const out = new Float32Array(count * height * width * channels);
  for (let start = 0; start < count; start += CHUNK) {
    const t = make(start, Math.min(CHUNK, count - start));
    try {
      out.set((await t.data()) as Float32Array, start * height * width * channels);
    } finally {
      t.dispose();
    }
  }
  return out;
}

/** Measures the generation quality of a run and writes `generation.json` (and refreshes `report.html`). */
export async function generationQualityRun(opts: GenerationQualityRunOptions): Promise<{
  /** What was written to generation.json. */
  json: GenerationFile;
  /** Path of the refreshed report.html. */
  report: string;
}> {
  const count = opts.count ?? 500;
  if (!(Number.isInteger(count) && count >= 2)) throw new RunError(`The generation-quality count must be an integer ≥ 2, got ${count}.`);
  const seed = opts.seed ?? 0;
  const loaded = await loadRun(opts.run, { ema: opts.ema === false ? false : 'auto', ...(opts.parts ? { parts: opts.parts } : {}) });
  try {
    const { model, params } = loaded;
    const { name: dataSpec, train, test } = await openJobData('generationQualityRun', opts, loaded.state.data, opts.run);
    if (!train.numClasses || !test.numClasses) throw new RunError(`"${dataSpec}" has no labels; measuring generation quality needs a labelled dataset to train its classifier.`);
    if (test.size < 3 * count) {
      throw new RunError(`The test split of "${dataSpec}" has ${test.size} images; measuring ${count} generated images needs ${3 * count} (two held-out samples and the completions' sources). Lower the count to at most ${Math.floor(test.size / 3)}.`);
    }
    const L = model.length;
    const k = opts.prefixPatches ?? Math.floor(L / 2);
    if (!(Number.isInteger(k) && k >= 1 && k < L)) throw new RunError(`prefixPatches must be an integer in 1…${L - 1}, got ${k}.`);
    const log = opts.onProgress ?? ((): void => undefined);
    const numClasses = Math.max(train.numClasses, test.numClasses);
    const classifier = trainQualityClassifier(train, numClasses, { scale: model.config.pixelScale, seed, ...opts.classifier });
    log(`quality classifier trained on ${train.size} images in ${classifier.seconds.toFixed(1)} s`);
    try {
      const heldOut = rangeView(test, 0, 2 * count);
      const sources = rangeView(test, 2 * count, count);
      const sample = {
        ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
        ...(opts.sampler !== undefined ? { sampler: opts.sampler } : {}),
        ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
      };
      const { height, width, channels } = model.config.image;
      const c0 = performance.now();
      const completed = await generateInChunks(model, count, (start, n) =>
        tf.tidy(() => {
          const idx = Int32Array.from({ length: n }, (_, i) => start + i);
          const images = pixelsToTensor(readImages(sources, idx), [n, height, width, channels], { scale: model.config.pixelScale });
          return generate(model, params, { prefix: { images, patches: k }, seed: seed + 1 + start, ...sample });
        }),
      );
      const completionSeconds = (performance.now() - c0) / 1000;
      const completions = await generationQuality(classifier, generatedDataset(model, completed, count, 'completions'), heldOut, readLabels(sources, Int32Array.from({ length: count }, (_, i) => i)));
      log(`${count} completions from ${k} of ${L} patches in ${completionSeconds.toFixed(1)} s: label agreement ${(100 * (completions.labelAgreement ?? 0)).toFixed(1)} %, Fréchet ${completions.frechet.toFixed(2)} (real vs real ${completions.heldOut.frechetRealVsReal.toFixed(2)})`);
      let unconditional: GenerationFile['unconditional'];
      if (model.head.kind !== 'mse') {
        const u0 = performance.now();
        const sampled = await generateInChunks(model, count, (start, n) => generate(model, params, { n, seed: seed + 100_000 + start, ...sample }));
        const seconds = (performance.now() - u0) / 1000;
        unconditional = { ...(await generationQuality(classifier, generatedDataset(model, sampled, count, 'samples'), heldOut)), seconds };
        log(`${count} unconditional samples in ${seconds.toFixed(1)} s: class spread ${unconditional.classSpread.toFixed(3)}, confidence ${unconditional.meanConfidence.toFixed(3)}, Fréchet ${unconditional.frechet.toFixed(2)}`);
      }
      const json: GenerationFile = {
        dataset: dataSpec,
        count,
        classifier: { hidden: classifier.config.hidden, epochs: classifier.config.epochs, trainImages: train.size, seconds: classifier.seconds },
        completions: { ...completions, prefixPatches: k, seconds: completionSeconds },
        ...(unconditional ? { unconditional } : {}),
        ...(opts.backend ? { backend: opts.backend } : {}),
      };
      await writeFileAtomic(runPaths(opts.run).generation, jsonFileText(generationFileSchema.parse(json)));
      return { json, report: await writeReport(opts.run) };
    } finally {
      classifier.dispose();
    }
  } finally {
    loaded.dispose();
  }
}
