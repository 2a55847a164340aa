// A hand-written DarlTrainer loop saves a run directory in one call; loadRun opens it with the trainer's exact
// weights, and pretrain resumes it to the end of its schedule.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { BatchStream, pixelsToTensor } from '@darl/patch-data';
import { disposeTree, flattenTree, useBackend } from '@darl/tensor-backend';
import { runConfigSchema } from '../config/schema.js';
import { buildDarl, initDarlParams, paramTree } from '../model/darl-model.js';
import { tinyDataset } from '../test-support/tiny-data.js';
import { DarlTrainer } from '../train/trainer.js';
import { loadRun } from './load-run.js';
import { pretrain } from './pretrain.js';
import { RunError } from './run-error.js';
import { saveRunDirectory } from './save-run-directory.js';

beforeAll(async () => {
  await useBackend('cpu');
});

it('saves a loadable, resumable run directory from a hand-written loop, filling in the bookkeeping', async () => {
  const datasets = { train: tinyDataset(32, 1), test: tinyDataset(8, 2) };
  const run = runConfigSchema.parse({
    model: { image: { height: 8, width: 8, channels: 1 }, patchSize: 2, backbone: { preset: 'tiny', width: 16, depth: 1, heads: 2 } },
    train: { steps: 4, batchSize: 8, warmupSteps: 1, seed: 3, sampleEvery: 0, evalImages: 8 },
  });
  const model = buildDarl(run.model);
  const params = initDarlParams(model, { seed: 3 });
  const trainer = new DarlTrainer(model, params, run.train);
  const stream = new BatchStream(datasets.train, { batchSize: 8, seed: 3, dropLast: true });
  const startedAt = new Date(Date.now() - 2000);
  for (let i = 0; i < 2; i++) {
    const batch = stream.next();
    const images = pixelsToTensor(batch.pixels, [8, 8, 8, 1], { scale: run.model.pixelScale });
    await trainer.stepOn([images]);
    images.dispose();
  }
  const dir = join(mkdtempSync(join(tmpdir(), 'darl-save-run-')), 'mine');
  const before = tf.memory().numTensors;
  await saveRunDirectory(dir, trainer, { data: 'tiny', cursor: stream.cursor, startedAt, metrics: [{ step: 1 }, { step: 2 }] });
  expect(tf.memory().numTensors).toBe(before);
  await expect(saveRunDirectory(dir, trainer, { data: 'tiny' })).rejects.toThrow(RunError); // never overwrites a run

  const state = JSON.parse(readFileSync(join(dir, 'checkpoints/step-00000002/state.json'), 'utf8')) as Record<string, unknown>;
  expect(state).toMatchObject({ step: 2, data: 'tiny', cursor: stream.cursor, parts: { backbone: 'transformer', head: 'mse' }, finished: false, backend: { name: 'cpu' } });
  expect(state.rng).toEqual(trainer.rngState());
  expect(Object.keys(state.versions as object)).toContain('@darl/darl');
  expect(state.startedAt).toBe(startedAt.toISOString());
  expect(state.wallSeconds as number).toBeGreaterThanOrEqual(2);

  const loaded = await loadRun(dir, { ema: false });
  const mine = new Map(flattenTree(paramTree(params)));
  const theirs = flattenTree(paramTree(loaded.params));
  expect(theirs.length).toBe(mine.size);
  for (const [path, t] of theirs) expect(Array.from(t.dataSync()), path).toEqual(Array.from(mine.get(path)!.dataSync()));
  loaded.dispose();
  trainer.dispose();
  disposeTree(paramTree(params));

  const resumed = await pretrain({ out: dir, resume: true, datasets, progress: 'none' });
  expect([resumed.step, resumed.finished]).toEqual([4, true]);
  disposeTree(paramTree(resumed.params));
});
