// A full DARL training step on webgpu equals the cpu backend's (loss, every gradient, gradient norm, and the losses
// of the following steps, which see the updated parameters). Runs when DARL_TEST_BACKENDS includes webgpu.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disposeTree, gradientsByPath, Rng, type BackendInfo } from '@darl/tensor-backend';
import { trainConfigSchema } from '../config/schema.js';
import { darlLoss, initDarlParams, paramTree } from '../model/darl-model.js';
import { onBackend, precisionTol, WEBGPU_REQUESTED, worstDiff } from '../test-support/webgpu.js';
import { stepTestModel } from '../test-support/step-model.js';
import { DarlTrainer } from './trainer.js';

type Objective = 'mse' | 'diffusion';


/** Four smooth 8×8 images, the same values on every backend. */
const IMAGES = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i / 5) * Math.cos(i / 17));

interface StepNumbers {
  loss: number;
  grads: Record<string, Float32Array>;
  steps: { loss: number; gradNorm: number }[];
}

/** The loss and gradients at the initial parameters, then three trainer steps (clipping on, accumulation of two). */
async function trainingNumbers(objective: Objective): Promise<StepNumbers> {
  const m = stepTestModel(objective);
  const params = initDarlParams(m, { seed: 3 });
  const x = tf.tensor4d(IMAGES, [4, 8, 8, 1]);
  const halves = [tf.slice(x, [0, 0, 0, 0], [2, 8, 8, 1]), tf.slice(x, [2, 0, 0, 0], [2, 8, 8, 1])] as tf.Tensor4D[];
  const trainer = new DarlTrainer(m, params, trainConfigSchema.parse({ steps: 10, lr: 3e-3, warmupSteps: 1, clipNorm: 0.5, seed: 1 }));
  try {
    const { loss, grads } = gradientsByPath(paramTree(params), () => darlLoss(m, params, x, { rng: new Rng(7), train: true }).loss);
    const paths = Object.keys(grads);
    const values = await Promise.all([loss, ...paths.map((p) => grads[p]!)].map((t) => t.data()));
    tf.dispose([loss, ...Object.values(grads)]);
    const steps: { loss: number; gradNorm: number }[] = [];
    for (let s = 0; s < 3; s++) {
      const r = await trainer.stepOn(s === 1 ? halves : [x]);
      steps.push({ loss: r.loss, gradNorm: r.gradNorm });
    }
    return { loss: values[0]![0]!, grads: Object.fromEntries(paths.map((p, i) => [p, values[i + 1] as Float32Array])), steps };
  } finally {
    trainer.dispose();
    disposeTree(paramTree(params));
    tf.dispose([x, ...halves]);
  }
}

describe.runIf(WEBGPU_REQUESTED)('a DARL training step, webgpu against cpu [webgpu]', () => {
  it.each(['mse', 'diffusion'] as const)('%s: equals cpu within float32 tolerance (loss, gradients, next steps)', async (objective) => {
    const cpu = await onBackend('cpu', () => trainingNumbers(objective));
    let info: BackendInfo | undefined;
    const gpu = await onBackend('webgpu', async (i) => {
      info = i;
      return trainingNumbers(objective);
    });
    // Depth-2 backbone, decoder and loss: a few dozen float32 roundings deep; scale 8 covers that chain.
    const tol = (scale: number) => precisionTol(info!, 8 * Math.max(1, scale));
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThanOrEqual(tol(Math.abs(cpu.loss)));
    expect(Object.keys(gpu.grads)).toEqual(Object.keys(cpu.grads));
    for (const [path, g] of Object.entries(cpu.grads)) {
      const { diff, scale } = worstDiff(gpu.grads[path]!, g);
      expect(diff, `gradient of ${path}`).toBeLessThanOrEqual(tol(scale));
    }
    gpu.steps.forEach((s, i) => {
      const ref = cpu.steps[i]!;
      expect(Math.abs(s.loss - ref.loss), `loss of step ${i + 1}`).toBeLessThanOrEqual(tol(ref.loss));
      expect(Math.abs(s.gradNorm - ref.gradNorm), `gradient norm of step ${i + 1}`).toBeLessThanOrEqual(tol(ref.gradNorm));
    });
    // The steps trained: the loss moved (so the comparison above is about updated parameters).
    expect(cpu.steps[2]!.loss).not.toBe(cpu.steps[0]!.loss);
  });
});
