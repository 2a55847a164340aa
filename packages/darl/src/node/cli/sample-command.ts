/**
 * `darl sample`: unconditional samples or prefix completions into a PNG grid.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Sampler } from '@darl/diffusion';
import { pixelRange, pixelsToTensor, readImages } from '@darl/patch-data';
import { encodeImageGrid, openDataset } from '@darl/patch-data/node';
import { fileSystemError, writeFileAtomic } from '@darl/tensor-backend/node';
import { generate } from '../../model/generate.js';
import { loadRun } from '../load-run.js';
import { RunError } from '../run-error.js';
import { runPaths, sampleGridName } from '../run-dir/index.js';
import type { DarlConfig } from '../../config/schema.js';
import { selectBackend } from './select-backend.js';
import type { CliIO } from './cli-io.js';

export interface SampleCommandOptions {
  readonly run: string;
  /** An older kept checkpoint instead of the committed one. */
  readonly step?: number;
  readonly backend: string;
  readonly n: number;
  readonly steps?: number;
  readonly sampler?: Sampler;
  readonly temperature: number;
  readonly prefix?: number;
  readonly data?: string;
  readonly ema: boolean;
  readonly seed: number;
  readonly out?: string;
  readonly json?: boolean;
}

export async function runSampleCommand(opts: SampleCommandOptions, io: CliIO): Promise<void> {
  if (!(opts.temperature >= 0)) throw new RunError(`--temperature must be ≥ 0, got ${opts.temperature}.`);
  const backend = await selectBackend(opts.backend);
  const loaded = await loadRun(opts.run, {
    ema: opts.ema ? 'auto' : false,
    ...(opts.step !== undefined ? { step: opts.step } : {}),
    onNote: (m) => io.stderr(`darl: ${m}\n`),
  });
  try {
    const { model, params } = loaded;
    checkCanSample(opts.run, model.config);
    const { height, width, channels } = model.config.image;
    if (opts.prefix !== undefined && opts.prefix > model.length) {
      throw new RunError(`--prefix ${opts.prefix} exceeds the ${model.length} patches of a ${height}×${width} image with patch size ${model.config.patchSize}.`);
    }
    const t0 = performance.now();
    let grid: { pixels: Float32Array; n: number; columns: number };
    const common = {
      ...(opts.steps ? { steps: opts.steps } : {}),
      ...(opts.sampler ? { sampler: opts.sampler } : {}),
      temperature: opts.temperature,
      seed: opts.seed,
    };
    if (opts.prefix !== undefined) {
      const data = await openDataset(opts.data ?? loaded.state.data, { split: 'test' });
      const n = Math.min(opts.n, data.size);
      const idx = Int32Array.from({ length: n }, (_, i) => Math.floor((i * data.size) / n));
      const originals = pixelsToTensor(readImages(data, idx), [n, height, width, channels], { scale: model.config.pixelScale });
      const completed = generate(model, params, { ...common, prefix: { images: originals, patches: opts.prefix } });
      const both = tf.tidy(() => tf.reshape(tf.stack([originals, completed], 1), [2 * n, height, width, channels]));
      tf.dispose([originals, completed]);
      grid = { pixels: (await both.data()) as Float32Array, n: 2 * n, columns: 2 };
      both.dispose();
    } else {
      const out = generate(model, params, { ...common, n: opts.n });
      grid = { pixels: (await out.data()) as Float32Array, n: opts.n, columns: Math.ceil(Math.sqrt(opts.n)) };
      out.dispose();
    }
    const seconds = (performance.now() - t0) / 1000;
    const file = opts.out ?? join(runPaths(opts.run).samples, sampleGridName(opts.seed, opts.prefix));
    await writeGrid(file, encodeImageGrid(grid.pixels, [grid.n, height, width, channels], { columns: grid.columns, range: pixelRange(model.config.pixelScale) }), opts.out === undefined);
    const result = { command: 'sample', file, images: opts.n, prefix: opts.prefix ?? 0, seconds, secondsPerImage: seconds / opts.n, ema: loaded.ema, backend: backend.name };
    if (opts.json) io.stdout(`${JSON.stringify(result)}\n`);
    else io.stderr(`darl: wrote ${file} (${opts.n} image(s) in ${seconds.toFixed(2)} s)\n`);
  } finally {
    loaded.dispose();
  }
}

/**
 * Refuses a run trained on per-patch-normalised targets (`model.normPix`): its predictions are patches with their
 * own mean and scale removed, which no stored statistic can restore, so neither samples nor completions are pixels.
 */
function checkCanSample(run: string, config: Pick<DarlConfig, 'normPix'>): void {
  if (!config.normPix) return;
  throw new RunError(
    `The run ${run} was trained with model.normPix=true: its targets are patches normalised to zero mean and unit ` +
      'variance each, and the model never predicts the mean and scale it discards, so its outputs cannot be turned ' +
      'back into pixels and darl sample has nothing to draw. Such a run is for representations: evaluate it with ' +
      `darl probe --run ${run} or darl finetune --run ${run}. To generate images, pretrain with --set model.normPix=false.`,
  );
}

/** Writes the PNG; a failure to write into the run directory (a read-only run, say) suggests `--out`. */
async function writeGrid(file: string, png: Uint8Array, inRunDirectory: boolean): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, png);
  } catch (err) {
    const hint = inRunDirectory ? 'The run directory may be read-only: write the grid elsewhere with --out FILE.png (nothing else needs to be written).' : 'Choose another --out file.';
    throw fileSystemError(err, file, 'write the sample grid', hint);
  }
}
