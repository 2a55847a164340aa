/**
 * GPU compute dispatches of one training step of the reference model on the webgpu backend (forward, gradients by
 * `gradientsByPath`, AdamW), with darl's fused WebGPU kernels and without them (tfjs's composite ops only).
 * Dispatch counts do not depend on timing, so SwiftShader (a CPU Vulkan driver) gives the same numbers as a GPU:
 *
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json pnpm --filter @darl/bench dispatches [--batch 64]
 *
 * Prints one line per variant: dispatches per step, and how many of them the AdamW step takes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, countDispatches, disposeTree, gradientsByPath, useBackend } from '@darl/tensor-backend';
import { REFERENCE_CONFIG, benchLoss, benchPositions, initBenchModel, numPatches, patchDim } from './reference-model.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

/** Dispatches of one step (the second: the first compiles the pipelines) and of its AdamW part. */
async function measure(kernelOverrides: boolean, batch: number): Promise<{ step: number; adamw: number; overrides: readonly string[] }> {
  const info = await useBackend('webgpu', { kernelOverrides });
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  const c = { ...REFERENCE_CONFIG, batch };
  const params = initBenchModel(c, 0);
  const positions = benchPositions(c);
  const patches = tf.randomNormal([c.batch, numPatches(c), patchDim(c)], 0, 1, 'float32', 1) as tf.Tensor3D;
  const opt = new AdamW(params as never, { weightDecay: 0.05 });
  let adamw = 0;
  const step = async (): Promise<void> => {
    const { loss, grads } = gradientsByPath(params as never, () => benchLoss(params, c, patches, positions));
    adamw = (await countDispatches(() => opt.step(grads, 1e-3))).dispatches;
    await loss.data();
    loss.dispose();
    disposeTree(grads);
  };
  await step();
  const { dispatches } = await countDispatches(step);
  opt.dispose();
  disposeTree(params as never);
  patches.dispose();
  return { step: dispatches, adamw, overrides: info.kernelOverrides };
}

async function main(): Promise<void> {
  const batch = Number(arg('--batch', String(REFERENCE_CONFIG.batch)));
  const c = REFERENCE_CONFIG;
  console.log(`reference model: width ${c.width}, depth ${c.depth}, heads ${c.heads}, MLP ${c.mlpWidth}, batch ${batch}, ${numPatches(c) + 1} tokens`);
  for (const overrides of [false, true]) {
    const r = await measure(overrides, batch);
    const label = overrides ? `fused kernels (${r.overrides.join('; ')})` : 'tfjs composite ops only';
    console.log(`${label}: ${r.step} dispatches per training step, ${r.adamw} of them AdamW`);
  }
}

await main();
