import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { loadSafetensors, saveSafetensors } from './index.js';
import { AdamW } from '../optim/adamw.js';
import { toTfTensor } from '../safetensors/to-tf-tensor.js';
import { disposeTree } from '../memory.js';

describe('saveSafetensors / loadSafetensors', () => {
  let dir: string;
  beforeEach(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'darl-st-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips tensors and metadata through a file', async () => {
    const path = join(dir, 'params.safetensors');
    const w = tf.tensor2d([[1, 2], [3, 4.5]]);
    await saveSafetensors(path, { 'blocks/0/w': w, steps: { dtype: 'I64', shape: [1], data: BigInt64Array.of(123n) } }, { step: '7' });
    w.dispose();
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ step: '7' });
    expect(tensors['blocks/0/w']).toEqual({ dtype: 'F32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4.5) });
    expect(Array.from(tensors.steps!.data as BigInt64Array)).toEqual([123n]);
    expect(await readdir(dir)).toEqual(['params.safetensors']);
  });

  it('names the path for a missing file and for a corrupt one', async () => {
    const missing = join(dir, 'nope.safetensors');
    await expect(loadSafetensors(missing)).rejects.toThrow(`loadSafetensors: cannot read "${missing}" (no such file)`);
    const bad = join(dir, 'bad.safetensors');
    await writeFile(bad, Uint8Array.of(1, 2, 3));
    await expect(loadSafetensors(bad)).rejects.toThrow(`safetensors file "${bad}": it is 3 bytes long`);
    await expect(loadSafetensors(dir)).rejects.toThrow(/\(it is a directory\)/);
  });

  it('rejects truncated and appended-to copies of a valid file written to disk, naming the path', async () => {
    const good = await readFile(new URL('../../fixtures/sample.safetensors', import.meta.url));
    const truncated = join(dir, 'truncated.safetensors');
    const appended = join(dir, 'appended.safetensors');
    const headerCut = join(dir, 'header-cut.safetensors');
    await writeFile(truncated, good.subarray(0, good.length - 10));
    await writeFile(appended, Buffer.concat([good, Buffer.from('garbage')]));
    await writeFile(headerCut, good.subarray(0, 100));
    await expect(loadSafetensors(truncated)).rejects.toThrow(new RegExp(`^safetensors file "${truncated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}": tensor ".*": data_offsets .*run past the end`));
    await expect(loadSafetensors(appended)).rejects.toThrow(`safetensors file "${appended}": the tensors cover`);
    await expect(loadSafetensors(headerCut)).rejects.toThrow(`safetensors file "${headerCut}": the header length prefix says`);
  });

  it('checkpoints AdamW state through a file: restored moments continue the run exactly', async () => {
    const path = join(dir, 'optimizer.safetensors');
    const run = (opt: AdamW, w: tf.Variable, steps: number): void => {
      for (let i = 0; i < steps; i++) {
        const g = tf.tidy(() => tf.sub(tf.mul(w, 2), 1));
        opt.step({ w: g }, 0.05);
        g.dispose();
      }
    };
    const a = tf.variable(tf.tensor2d([[0.5, -1], [2, 0.25]]));
    const optA = new AdamW({ w: a });
    run(optA, a, 3);
    const state = optA.stateTensors();
    await saveSafetensors(path, { ...state, 'param/w': a }, { stepCount: String(optA.stepCount) });
    disposeTree(state);
    run(optA, a, 4);

    const loaded = await loadSafetensors(path);
    const t = Object.fromEntries(Object.entries(loaded.tensors).map(([k, e]) => [k, toTfTensor(e, k)]));
    const b = tf.variable(t['param/w']!);
    const optB = new AdamW({ w: b });
    optB.loadState({ 'm/w': t['m/w']!, 'v/w': t['v/w']! }, Number(loaded.metadata.stepCount));
    disposeTree(t);
    run(optB, b, 4);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    optA.dispose();
    optB.dispose();
    a.dispose();
    b.dispose();
  });
});
