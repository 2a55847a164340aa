// completePatchByPatch is darl's generate loop written out to show each step; it must give generate's images exactly
// (same backend, same seed), yield one event per predicted patch with the known patches in place, and leak nothing.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { buildDarl, generate, initDarlParams, paramTree, runConfigSchema } from '@darl/darl';
import { disposeTree, useBackend } from '@darl/tensor-backend';
import { completePatchByPatch } from './complete-patches.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const modelFor = (objective: 'mse' | 'diffusion') =>
  buildDarl(
    runConfigSchema.parse({
      model: { image: { height: 8, width: 8, channels: 1 }, patchSize: 2, objective, backbone: { preset: 'tiny', width: 16, depth: 1, heads: 2 }, diffusion: { decoder: { width: 16, depth: 1 }, sampleSteps: 3 } },
    }).model,
  );

it.each(['mse', 'diffusion'] as const)('%s: equals generate with the same prefix and seed; one event per patch', async (objective) => {
  const model = modelFor(objective);
  const params = initDarlParams(model, { seed: 2 });
  const images = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 128), [2, 8, 8, 1])) as tf.Tensor4D);
  const before = tf.memory().numTensors;
  const k = 6;
  const gen = completePatchByPatch(model, params, { images, patches: k, seed: 7 });
  const events = [];
  let r = await gen.next();
  for (; !r.done; r = await gen.next()) events.push(r.value);
  const mine = r.value;
  const reference = generate(model, params, { prefix: { images, patches: k }, seed: 7 });
  expect(Array.from(mine.dataSync())).toEqual(Array.from(reference.dataSync()));
  expect(events.map((e) => e.index)).toEqual(Array.from({ length: model.length - k }, (_, i) => k + i));
  // The last event's image is the completed image; earlier ones have the unknown patches at 0.
  expect(Array.from(events.at(-1)!.image)).toEqual(Array.from(mine.dataSync()));
  expect(events[0]!.image.slice(0, 8 * 8).filter((v) => v === 0).length).toBeGreaterThanOrEqual((model.length - k - 1) * 4);
  if (objective === 'diffusion') expect(events.every((e) => e.denoising?.length === 3)).toBe(true);
  else expect(events.every((e) => e.denoising === undefined)).toBe(true);
  mine.dispose();
  reference.dispose();
  expect(tf.memory().numTensors).toBe(before);
  images.dispose();
  disposeTree(paramTree(params));
});

it('frees everything when the caller stops early', async () => {
  const model = modelFor('diffusion');
  const params = initDarlParams(model, { seed: 2 });
  const images = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const gen = completePatchByPatch(model, params, { images, patches: 2, seed: 1 });
  await gen.next();
  await gen.next();
  await gen.return(undefined as never);
  expect(tf.memory().numTensors).toBe(before);
  images.dispose();
  disposeTree(paramTree(params));
});
