// The in-memory run directory must be what Node's writer writes (same bytes for the same inputs) and what Node's
// loaders accept: loadRun, loadCheckpoint with the optimiser, listCheckpoints.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { disposeTree, flattenTree, useBackend } from '@darl/tensor-backend';
import { runConfigSchema } from '../config/schema.js';
import { buildDarl, initDarlParams, paramTree } from '../model/darl-model.js';
import { DarlTrainer } from '../train/trainer.js';
import { loadCheckpoint, saveCheckpoint, writeRunConfig } from '../node/run-dir/checkpoint.js';
import { listCheckpoints } from '../node/run-dir/checkpoint-store.js';
import { loadRun } from '../node/load-run.js';
import { encodeRunDirectory, type RunDirectoryInput } from './encode-run-directory.js';
import { RUN_FORMAT } from './names.js';

let root: string;
beforeEach(async () => {
  await useBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'darl-encode-run-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A tiny diffusion model trained for two steps with EMA, and the state a trainer would checkpoint. */
async function trainedRun() {
  const run = runConfigSchema.parse({
    model: { image: { height: 8, width: 8, channels: 1 }, patchSize: 4, objective: 'diffusion', backbone: { preset: 'tiny', width: 16, depth: 1, heads: 2 }, diffusion: { decoder: { width: 16, depth: 1 } } },
    train: { steps: 2, batchSize: 2, warmupSteps: 0, ema: 0.9, seed: 4 },
  });
  const model = buildDarl(run.model);
  const params = initDarlParams(model, { seed: 4 });
  const trainer = new DarlTrainer(model, params, run.train);
  const x = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 128), [2, 8, 8, 1])) as tf.Tensor4D);
  await trainer.stepOn([x]);
  await trainer.stepOn([x]);
  x.dispose();
  const optimizer = trainer.optimizer.stateTensors();
  const input: RunDirectoryInput = {
    run,
    params: paramTree(params),
    ema: trainer.ema!.shadow(),
    optimizer,
    state: {
      step: trainer.step,
      cursor: { epoch: 0, position: 4 },
      rng: trainer.rngState(),
      data: 'digits',
      versions: { '@tensorflow/tfjs-core': tf.version_core },
      backend: { name: 'cpu' },
      parts: { backbone: model.backbone.kind, head: model.head.kind },
      startedAt: '2026-12-02T00:00:00.000Z',
      wallSeconds: 1.5,
      trainSeconds: 1.25,
      finished: true,
    },
    metrics: [{ step: 1, loss: 1 }, { step: 2, loss: 0.5 }],
    committedAt: '2026-12-02T00:00:02.000Z',
  };
  const dispose = () => {
    for (const t of Object.values(optimizer)) t.dispose();
    trainer.dispose();
    disposeTree(paramTree(params));
  };
  return { input, params, trainer, dispose };
}

async function writeFiles(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
}

it("holds the same bytes as Node's writer for config.json, state.json, both safetensors files and their digests", async () => {
  const { input, dispose } = await trainedRun();
  const files = await encodeRunDirectory(input);
  const dir = join(root, 'node');
  await mkdir(dir);
  await writeRunConfig(dir, input.run);
  await saveCheckpoint(dir, { params: input.params, ema: input.ema!, optimizer: input.optimizer, state: { ...input.state, format: RUN_FORMAT } });
  const ckpt = 'checkpoints/step-00000002';
  expect(Object.keys(files).sort()).toEqual([
    'checkpoints/step-00000002/digests.json',
    'checkpoints/step-00000002/model.safetensors',
    'checkpoints/step-00000002/optimizer.safetensors',
    'checkpoints/step-00000002/state.json',
    'config.json',
    'latest.json',
    'metrics.jsonl',
  ]);
  // digests.json: @noble/hashes here, node:crypto in Node's writer — the same SHA-256 digests.
  for (const name of ['config.json', `${ckpt}/state.json`, `${ckpt}/model.safetensors`, `${ckpt}/optimizer.safetensors`, `${ckpt}/digests.json`]) {
    expect(Buffer.from(files[name]!).equals(await readFile(join(dir, name))), name).toBe(true);
  }
  const latest = JSON.parse(new TextDecoder().decode(files['latest.json']));
  expect(latest).toEqual({ format: RUN_FORMAT, step: 2, dir: ckpt, committedAt: '2026-12-02T00:00:02.000Z' });
  expect(new TextDecoder().decode(files['metrics.jsonl'])).toBe('{"step":1,"loss":1}\n{"step":2,"loss":0.5}\n');
  dispose();
});

it("is opened by Node's loaders: loadRun gives the EMA weights, loadCheckpoint the parameters and optimiser slots", async () => {
  const { input, params, trainer, dispose } = await trainedRun();
  const before = tf.memory().numTensors;
  const files = await encodeRunDirectory(input);
  expect(tf.memory().numTensors).toBe(before); // reads values, allocates nothing it keeps
  const dir = join(root, 'browser');
  await writeFiles(dir, files);

  const listing = await listCheckpoints(dir);
  expect(listing.checkpoints.map((c) => [c.step, c.latest])).toEqual([[2, true]]);
  expect(listing.stale).toEqual([]);

  const loaded = await loadRun(dir);
  expect(loaded.ema).toBe(true);
  expect(loaded.state.step).toBe(2);
  const shadow = trainer.ema!.shadow();
  for (const [path, t] of flattenTree(paramTree(loaded.params))) {
    expect(Array.from(t.dataSync()), path).toEqual(Array.from(shadow[path]!.dataSync()));
  }
  loaded.dispose();

  const ckpt = await loadCheckpoint(dir);
  const trained = Object.fromEntries(flattenTree(paramTree(params)));
  expect(Object.keys(ckpt.optimizer).sort()).toEqual(Object.keys(input.optimizer).sort());
  for (const [name, t] of Object.entries(input.optimizer)) expect(Array.from(ckpt.optimizer[name]!.dataSync()), name).toEqual(Array.from(t.dataSync()));
  for (const [path, t] of Object.entries(trained)) expect(Array.from(ckpt.model[path]!.dataSync()), path).toEqual(Array.from(t.dataSync()));
  expect(ckpt.state.rng).toEqual(input.state.rng);
  ckpt.dispose();
  dispose();
});

it('refuses a state that state.json may not hold, with the schema naming the field', async () => {
  const { input, dispose } = await trainedRun();
  await expect(encodeRunDirectory({ ...input, state: { ...input.state, step: -1 } })).rejects.toThrow(/step/);
  dispose();
});
