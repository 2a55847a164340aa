// decodeRunDirectory must find the committed checkpoint in a run directory that Node's pretrain wrote (all its files
// read as bytes, as a zip would hold them), and name what is missing or damaged.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { flattenTree, isUserError, useBackend } from '@darl/tensor-backend';
import { fromPretrained } from '../model/from-pretrained.js';
import { paramTree } from '../model/darl-model.js';
import { pretrain } from '../node/pretrain.js';
import { loadRun } from '../node/load-run.js';
import { decodeRunDirectory } from './decode-run-directory.js';

let root: string;
let files: Record<string, Uint8Array>;
beforeAll(async () => {
  await useBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'darl-decode-run-'));
  await pretrain({
    run: { model: { patchSize: 7, backbone: { preset: 'tiny', width: 16, depth: 1, heads: 2 } }, train: { steps: 3, batchSize: 4, warmupSteps: 0, checkpointEvery: 2, logEvery: 1, sampleEvery: 0, evalImages: 0 } },
    data: 'mnist',
    out: join(root, 'run'),
    progress: 'none',
  });
  files = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else files[`my-run/${relative(join(root, 'run'), p)}`] = new Uint8Array(await readFile(p));
    }
  };
  await walk(join(root, 'run'));
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it("finds the committed checkpoint of a Node run (inside a top folder, as a zip holds it) and loads the same weights as loadRun", async () => {
  const before = tf.memory().numTensors;
  const decoded = decodeRunDirectory(files);
  expect(decoded.checkpoint).toBe('checkpoints/step-00000003');
  expect(decoded.state.step).toBe(3);
  const fromBytes = fromPretrained({ config: decoded.config, weights: decoded.weights });
  const fromDisk = await loadRun(join(root, 'run'));
  const disk = Object.fromEntries(flattenTree(paramTree(fromDisk.params)));
  for (const [path, t] of flattenTree(paramTree(fromBytes.params))) expect(Array.from(t.dataSync()), path).toEqual(Array.from(disk[path]!.dataSync()));
  fromBytes.dispose();
  fromDisk.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it('names the missing file and the damaged one, as user errors', () => {
  const without = Object.fromEntries(Object.entries(files).filter(([p]) => !p.endsWith('step-00000003/model.safetensors')));
  expect(() => decodeRunDirectory(without, { source: 'run.zip' })).toThrow('run.zip has no my-run/checkpoints/step-00000003/model.safetensors');
  const damaged = { ...files, 'my-run/latest.json': new TextEncoder().encode('{"format":"darl-run/2","step":3,"dir":"elsewhere","committedAt":"x"}') };
  expect(decodeRunDirectory(damaged, { source: 'run.zip' }).pointerProblem).toMatch(/^run\.zip: my-run\/latest\.json is damaged: dir: must be "checkpoints\/step-NNNNNNNN"/);
  // With no checkpoint to fall back on, the damaged pointer is the error.
  const noCheckpoint = Object.fromEntries(Object.entries(damaged).filter(([p]) => !p.startsWith('my-run/checkpoints/')));
  let err: unknown;
  try {
    decodeRunDirectory(noCheckpoint, { source: 'run.zip' });
  } catch (e) {
    err = e;
  }
  expect(isUserError(err)).toBe(true);
  expect((err as Error).message).toMatch(/^run\.zip: my-run\/latest\.json is damaged: dir: must be "checkpoints\/step-NNNNNNNN"/);
});

it('refuses a flipped byte in the weights against the digest recorded at commit; a checkpoint without digests still loads', () => {
  const name = 'my-run/checkpoints/step-00000003/model.safetensors';
  const flipped = Uint8Array.from(files[name]!);
  flipped[flipped.length - 3]! ^= 0x01;
  expect(() => decodeRunDirectory({ ...files, [name]: flipped }, { source: 'run.zip' })).toThrow(
    /^run\.zip: my-run\/checkpoints\/step-00000003\/model\.safetensors is damaged: its SHA-256 digest .* recorded in digests\.json/,
  );
  const unchecked = Object.fromEntries(Object.entries(files).filter(([p]) => !p.endsWith('digests.json')));
  expect(decodeRunDirectory({ ...unchecked, [name]: flipped }).state.step).toBe(3);
});

it('treats latest.json as a cache: without a usable one it takes the newest intact checkpoint and says why', () => {
  const without = Object.fromEntries(Object.entries(files).filter(([p]) => p !== 'my-run/latest.json'));
  const recovered = decodeRunDirectory(without, { source: 'run.zip' });
  expect(recovered.checkpoint).toBe('checkpoints/step-00000003');
  expect(recovered.pointerProblem).toMatch(/run\.zip has no my-run\/latest\.json/);
  expect(decodeRunDirectory(files).pointerProblem).toBeNull();
  const inconsistent = { ...files, 'my-run/latest.json': new TextEncoder().encode('{"format":"darl-run/2","step":3,"dir":"checkpoints/step-00000002","committedAt":"x"}') };
  const r = decodeRunDirectory(inconsistent, { source: 'run.zip' });
  expect(r.checkpoint).toBe('checkpoints/step-00000003');
  expect(r.pointerProblem).toMatch(/latest\.json says step 3 but names checkpoints\/step-00000002/);
  // A damaged newest checkpoint is passed over for the previous one.
  const name = 'my-run/checkpoints/step-00000003/model.safetensors';
  const flipped = Uint8Array.from(files[name]!);
  flipped[flipped.length - 3]! ^= 0x01;
  expect(decodeRunDirectory({ ...without, [name]: flipped }).checkpoint).toBe('checkpoints/step-00000002');
});
