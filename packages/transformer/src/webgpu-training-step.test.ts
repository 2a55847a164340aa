// One training step of the tiny preset (forward, gradientsByPath, AdamW) on webgpu with darl's fused kernels equals
// the cpu backend's, and takes fewer GPU dispatches than with tfjs's composite ops.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { AdamW, countDispatches, disposeTree, flattenTree, gradientsByPath, Rng, useBackend, type BackendName } from '@darl/tensor-backend';
import { transformerConfig } from './config.js';
import { applyTransformer, initTransformer } from './transformer.js';
import { rasterPositions } from './positions.js';

const enabled = (process.env.DARL_TEST_BACKENDS ?? '').split(',').includes('webgpu');

interface StepResult {
  loss: number;
  grads: Record<string, Float32Array>;
  params: Record<string, Float32Array>;
  dispatches: number;
}

/** One step on `backend` from the same initial parameters and batch: x [2, 8, D] → output, MSE against a target. */
async function trainingStep(backend: BackendName, kernelOverrides: boolean): Promise<StepResult> {
  await useBackend(backend, { kernelOverrides });
  if (backend === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
  const config = transformerConfig({ preset: 'tiny' });
  const grid = rasterPositions(2, 4);
  const rng = new Rng(3);
  const x = rng.normal([2, 8, config.width]) as tf.Tensor3D;
  const target = rng.normal([2, 8, config.width]);
  const params = initTransformer(config, { seed: 4 });
  const opt = new AdamW(params, { weightDecay: 0.05 });
  const run = async (): Promise<{ loss: tf.Scalar; grads: Record<string, tf.Tensor> }> => {
    const r = gradientsByPath(params, () => tf.mean(tf.square(tf.sub(applyTransformer(params, config, x, { positions: grid, attention: 'causal' }).output, target))));
    opt.step(r.grads, 1e-3);
    return r;
  };
  const counted = backend === 'webgpu' ? await countDispatches(run) : { result: await run(), dispatches: 0 };
  const { loss, grads } = counted.result;
  const read = async (tree: Record<string, tf.Tensor>): Promise<Record<string, Float32Array>> =>
    Object.fromEntries(await Promise.all(Object.entries(tree).map(async ([k, t]) => [k, Float32Array.from((await t.data()) as Float32Array)] as const)));
  const flat = Object.fromEntries(flattenTree(params));
  const result = { loss: (await loss.data())[0]!, grads: await read(grads), params: await read(flat), dispatches: counted.dispatches };
  loss.dispose();
  disposeTree(grads);
  opt.dispose();
  disposeTree(params);
  tf.dispose([x, target]);
  return result;
}

/** Largest |a − b| over the tensor, relative to the largest |b| in it. */
function relToMax(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(m, 1e-30);
}

describe.runIf(enabled)('a training step of the tiny preset on webgpu [webgpu]', () => {
  it('equals the cpu backend (loss, every gradient, every parameter after AdamW) with fewer dispatches than the composite ops', async () => {
    const ref = await trainingStep('cpu', true);
    const composite = await trainingStep('webgpu', false);
    const fused = await trainingStep('webgpu', true);
    expect(fused.dispatches).toBeLessThan(composite.dispatches / 2);
    for (const got of [composite, fused]) {
      expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
      expect(Object.keys(got.grads).sort()).toEqual(Object.keys(ref.grads).sort());
      // float32 sums in other orders through a few layers: 1e-4 of each gradient's largest entry.
      for (const k of Object.keys(ref.grads)) expect(relToMax(got.grads[k]!, ref.grads[k]!), k).toBeLessThan(1e-4);
      // AdamW's first step moves each entry by about lr = 1e-3 whatever the gradient's size; a gradient entry near 0
      // may flip the direction, so compare to lr.
      for (const k of Object.keys(ref.params)) {
        const d = got.params[k]!.reduce((m, v, i) => Math.max(m, Math.abs(v - ref.params[k]![i]!)), 0);
        expect(d, k).toBeLessThan(2e-3);
      }
    }
    if (process.env.DARL_REPORT_DISPATCHES) console.log(`tiny preset, one step on webgpu: ${composite.dispatches} dispatches with tfjs's ops, ${fused.dispatches} fused`);
  });
});
