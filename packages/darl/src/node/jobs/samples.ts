/**
 * Sample grids written during and after training (names in `run-dir/sample-grids.ts`): unconditional samples, and
 * completions (each row: an original image, then completions of its first half).
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { pixelsToTensor, readImages, type ImageDataset, pixelRange } from '@darl/patch-data';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import type { DarlModel, DarlParams } from '../../model/darl-model.js';
import { generate } from '../../model/generate.js';
import { encodeImageGrid } from '@darl/patch-data/node';
import { runPaths, trainingGridPath } from '../run-dir/index.js';

/**
 * Up to `count` dataset indices for completions: the first image of each class in turn when the data is labelled
 * (so the grid shows different digits even when the data is grouped by class), else evenly spaced.
 */
export function completionIndices(data: ImageDataset, count: number): Int32Array {
  const n = Math.min(count, data.size);
  if (data.numClasses && data.numClasses > 1) {
    const firstOfClass = new Map<number, number>();
    for (let i = 0; i < data.size && firstOfClass.size < Math.min(n, data.numClasses); i++) {
      const y = data.label(i);
      if (y !== null && !firstOfClass.has(y)) firstOfClass.set(y, i);
    }
    if (firstOfClass.size >= n) return Int32Array.from([...firstOfClass.entries()].sort((a, b) => a[0] - b[0]).slice(0, n).map(([, i]) => i));
  }
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * data.size) / n));
}

/**
 * Generates samples and completions of data images (first half of the patch sequence given) and writes both grids.
 * A deterministic head (MSE: the mean prediction) has exactly one unconditional sample, so its grid holds one image;
 * a sampling head gets `samples` (default 16). Returns the two paths.
 */
export async function writeSampleGrids(
  dir: string,
  model: DarlModel,
  params: DarlParams,
  step: number,
  opts: { seed: number; data: ImageDataset; samples?: number; completions?: number; variants?: number },
): Promise<{
  /** Path of the written sample grid. */
  samples: string;
  /** Path of the written completions grid. */
  completions: string;
}> {
  const { height, width, channels } = model.config.image;
  const deterministic = model.head.kind === 'mse';
  const nSamples = deterministic ? 1 : (opts.samples ?? 16);
  const idx = completionIndices(opts.data, opts.completions ?? 6);
  const nCompletions = idx.length;
  const variants = deterministic ? 1 : (opts.variants ?? 3);
  await mkdir(runPaths(dir).samples, { recursive: true });

  const sampled = generate(model, params, { n: nSamples, seed: opts.seed + step });
  const samplePixels = (await sampled.data()) as Float32Array;
  sampled.dispose();
  const samplesPath = join(dir, trainingGridPath('grid', step));
  await writeFileAtomic(samplesPath, encodeImageGrid(samplePixels, [nSamples, height, width, channels], { columns: Math.ceil(Math.sqrt(nSamples)), scale: deterministic ? 4 : 2, range: pixelRange(model.config.pixelScale) }));

  // Completions: per data image, the original then `variants` completions of its first half.
  const originals = pixelsToTensor(readImages(opts.data, idx), [nCompletions, height, width, channels], { scale: model.config.pixelScale });
  const half = Math.floor(model.length / 2);
  const columns: tf.Tensor4D[] = [originals];
  for (let v = 0; v < variants; v++) {
    columns.push(generate(model, params, { prefix: { images: originals, patches: half }, seed: opts.seed + step + 1000 * (v + 1) }));
  }
  const grid = tf.tidy(() => tf.reshape(tf.stack(columns, 1), [nCompletions * (variants + 1), height, width, channels]));
  for (const c of columns) c.dispose();
  const gridPixels = (await grid.data()) as Float32Array;
  grid.dispose();
  const completionsPath = join(dir, trainingGridPath('completion', step));
  await writeFileAtomic(
    completionsPath,
    encodeImageGrid(gridPixels, [nCompletions * (variants + 1), height, width, channels], { columns: variants + 1, range: pixelRange(model.config.pixelScale) }),
  );
  return { samples: samplesPath, completions: completionsPath };
}
