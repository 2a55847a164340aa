// Live tensors stay flat over a long run with frequent checkpoints, and return to the starting count after the run
// is disposed; failed loads (damaged checkpoints) allocate nothing that outlives them.
import { mkdtempSync, rmSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeTree, isUserError, useBackend } from '@darl/tensor-backend';
import { paramTree } from '../../model/darl-model.js';
import { tinyDataset } from '../../test-support/tiny-data.js';
import { loadCheckpoint } from './checkpoint.js';
import { loadRun } from '../load-run.js';
import { pretrain } from '../pretrain.js';

const datasets = { train: tinyDataset(48, 1), test: tinyDataset(16, 2) };
const run = {
  model: { patchSize: 2, backbone: { preset: 'tiny' as const, width: 8, depth: 1, heads: 2 } },
  train: { steps: 300, batchSize: 4, lr: 3e-3, warmupSteps: 2, logEvery: 50, evalImages: 0, checkpointEvery: 10, ema: 0.9 },
};

beforeAll(async () => {
  await useBackend('cpu');
});

describe('no leaks', () => {
  it('300 steps with a checkpoint every 10: live tensors flat, back to the start after dispose; failed loads leak nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'darl-leak-'));
    const start = tf.memory().numTensors;
    const afterCheckpoint: number[] = [];
    // Step 10k+1 runs right after the checkpoint of step 10k.
    const r = await pretrain({ run, out: dir, datasets, data: 'tiny', progress: 'none', onStep: (s) => s.step % 10 === 1 && s.step > 1 && afterCheckpoint.push(tf.memory().numTensors) });
    expect(afterCheckpoint).toHaveLength(29);
    expect(new Set(afterCheckpoint).size).toBe(1); // not one tensor more after the 29th checkpoint than after the 1st
    disposeTree(paramTree(r.params));
    expect(tf.memory().numTensors).toBe(start);

    // Failed loads: a damaged optimizer file (after the model file was read) and a damaged state.
    const latest = join(dir, (JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { dir: string }).dir);
    const opt = readFileSync(join(latest, 'optimizer.safetensors'));
    writeFileSync(join(latest, 'optimizer.safetensors'), opt.subarray(0, opt.length - 5));
    for (let i = 0; i < 3; i++) {
      const err = await loadCheckpoint(dir).catch((e: unknown) => e);
      expect(isUserError(err)).toBe(true);
      expect((err as Error).message).toContain('optimizer.safetensors');
    }
    expect(tf.memory().numTensors).toBe(start);
    const loaded = await loadRun(dir); // the model alone still loads
    loaded.dispose();
    unlinkSync(join(latest, 'model.safetensors'));
    const err = await loadRun(dir).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect(tf.memory().numTensors).toBe(start);
    rmSync(dir, { recursive: true, force: true });
  });
});
