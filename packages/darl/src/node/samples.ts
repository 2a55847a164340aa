/**
 * Sample grids written during and after training: `samples/step-NNNNNN.png` (unconditional samples) and
 * `samples/completions-step-NNNNNN.png` (each row: an original image, then completions of its first half).
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { pixelsToTensor, readImages, type ImageDataset } from '@darl/patch-data';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import type { DarlModel, DarlParams } from '../model/darl-model.js';
import { generate } from '../model/generate.js';
import { encodeImageGrid } from './image-grid.js';

/** File name stem for a step: `step-000200`. */
export function stepStem(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/**
 * Generates `samples` images and completions of `completions` data images (first half of the patch sequence given),
 * and writes both grids. Returns the two paths.
 */
export async function writeSampleGrids(
  dir: string,
  model: DarlModel,
  params: DarlParams,
  step: number,
  opts: { seed: number; data: ImageDataset; samples?: number; completions?: number; variants?: number },
): Promise<{ samples: string; completions: string }> {
  const { height, width, channels } = model.config.image;
  const nSamples = opts.samples ?? 16;
  const nCompletions = Math.min(opts.completions ?? 6, opts.data.size);
  const variants = model.config.objective === 'diffusion' ? (opts.variants ?? 3) : 1;
  await mkdir(join(dir, 'samples'), { recursive: true });

  const sampled = generate(model, params, { n: nSamples, seed: opts.seed + step });
  const samplePixels = sampled.dataSync() as Float32Array;
  sampled.dispose();
  const samplesPath = join(dir, 'samples', `${stepStem(step)}.png`);
  await writeFileAtomic(samplesPath, encodeImageGrid(samplePixels, [nSamples, height, width, channels], { columns: Math.ceil(Math.sqrt(nSamples)) }));

  // Completions: per data image, the original then `variants` completions of its first half.
  const idx = Int32Array.from({ length: nCompletions }, (_, i) => Math.floor((i * opts.data.size) / nCompletions));
  const originals = pixelsToTensor(readImages(opts.data, idx), [nCompletions, height, width, channels], { scale: 'minus-one-one' });
  const half = Math.floor(model.length / 2);
  const columns: tf.Tensor4D[] = [originals];
  for (let v = 0; v < variants; v++) {
    columns.push(generate(model, params, { prefix: { images: originals, patches: half }, seed: opts.seed + step + 1000 * (v + 1) }));
  }
  const grid = tf.tidy(() => tf.reshape(tf.stack(columns, 1), [nCompletions * (variants + 1), height, width, channels]));
  const gridPixels = grid.dataSync() as Float32Array;
  grid.dispose();
  for (const c of columns) c.dispose();
  const completionsPath = join(dir, 'samples', `completions-${stepStem(step)}.png`);
  await writeFileAtomic(
    completionsPath,
    encodeImageGrid(gridPixels, [nCompletions * (variants + 1), height, width, channels], { columns: variants + 1 }),
  );
  return { samples: samplesPath, completions: completionsPath };
}
