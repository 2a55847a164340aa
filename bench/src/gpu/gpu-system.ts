/**
 * darl's side of the GPU benchmark: measures the figures of a {@link GpuBenchSpec} on the webgpu backend. `gpu-run.ts`
 * runs it in a process of its own (`--measure-darl`), so Dawn has released the GPU before PyTorch starts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, disposeTree, useBackend, type BackendInfo } from '@darl/tensor-backend';
import { benchFeatures, benchPositions, initBenchModel, numPatches, patchDim, trainingFlops, type BenchModelConfig } from '../reference-model.js';
import { generateImage, initDenoiser } from '../generation.js';
import type { GpuBenchSpec } from './gpu-configs.js';
import { installDispatchCounter, type DispatchCounter } from './dispatch-counter.js';
import { timeAsync, type Timing } from './gpu-timing.js';
import { benchTrainer } from './train-step.js';

/** One figure: median ms per call, timed calls, and (where counted) WebGPU dispatches per call. */
export interface Figure extends Timing {
  readonly dispatches?: number;
  readonly gflop?: number;
}

/** Times `fn` and counts the dispatches of one extra call of it. */
async function figure(fn: () => Promise<void>, spec: GpuBenchSpec, counter: DispatchCounter, gflop?: number): Promise<Figure> {
  const t = await timeAsync(fn, spec);
  counter.take();
  await fn();
  return { ...t, dispatches: counter.take(), ...(gflop === undefined ? {} : { gflop }) };
}

async function trainFigure(c: BenchModelConfig, spec: GpuBenchSpec, counter: DispatchCounter): Promise<Figure> {
  const trainer = benchTrainer(c, 0);
  try {
    return await figure(async () => void (await trainer.step()), spec, counter, trainingFlops(c) / 1e9);
  } finally {
    trainer.dispose();
  }
}

async function generationFigures(spec: GpuBenchSpec, counter: DispatchCounter): Promise<{ mse: Figure; diffusion: Figure }> {
  const c = spec.reference;
  const params = initBenchModel(c, 0);
  const den = initDenoiser(c, 1);
  const once = (denoise: boolean) => async (): Promise<void> => {
    const img = generateImage(params, c, denoise ? { denoiser: den, ddimSteps: spec.ddimSteps } : {});
    await img.data();
    img.dispose();
  };
  try {
    const mse = await figure(once(false), spec, counter);
    const diffusion = await figure(once(true), { ...spec, reps: Math.min(spec.reps, 3) }, counter);
    return { mse, diffusion };
  } finally {
    disposeTree(params as never);
    disposeTree(den as never);
  }
}

async function featureFigure(spec: GpuBenchSpec, counter: DispatchCounter): Promise<Figure> {
  const c = spec.reference;
  const params = initBenchModel(c, 0);
  const positions = benchPositions(c);
  const patches = new Rng(3).normal([spec.featureBatch, numPatches(c), patchDim(c)]) as tf.Tensor3D;
  try {
    const gflop = trainingFlops({ ...c, batch: spec.featureBatch }) / 3 / 1e9;
    return await figure(
      async () => {
        const f = benchFeatures(params, c, patches, positions);
        await f.data();
        f.dispose();
      },
      spec,
      counter,
      gflop,
    );
  } finally {
    patches.dispose();
    disposeTree(params as never);
  }
}

/** Selects webgpu (the tfjs package imported by name, so a bundler inlines it) and describes it. */
async function webgpuBackend(): Promise<BackendInfo> {
  return useBackend('webgpu', { load: () => import('@tensorflow/tfjs-backend-webgpu') });
}

/** Measures every figure of `spec` on webgpu (the caller's process must not have chosen another backend). */
export async function measureDarlWebgpu(spec: GpuBenchSpec): Promise<Record<string, unknown>> {
  const info = await webgpuBackend();
  const counter = installDispatchCounter();
  const log = (s: string): void => void process.stderr.write(`darl webgpu: ${s}\n`);
  log(`adapter ${JSON.stringify(info.webgpu)}`);
  const trainReference = await trainFigure(spec.reference, spec, counter);
  log(`reference step ${trainReference.ms.toFixed(1)} ms`);
  const trainVitS = await trainFigure(spec.vitS, spec, counter);
  log(`ViT-S step ${trainVitS.ms.toFixed(1)} ms`);
  const features = await featureFigure(spec, counter);
  log(`features ${features.ms.toFixed(1)} ms per ${spec.featureBatch}`);
  const gen = await generationFigures(spec, counter);
  log(`generation ${gen.mse.ms.toFixed(0)} ms (MSE), ${gen.diffusion.ms.toFixed(0)} ms (diffusion)`);
  counter.uninstall();
  return {
    system: 'darl webgpu',
    tfjsVersion: info.tfjsVersion,
    adapter: info.webgpu ?? null,
    webgpuCpuForward: tf.env().getBool('WEBGPU_CPU_FORWARD'),
    node: process.version,
    figures: { train_reference: trainReference, train_vit_s: trainVitS, features, gen_mse: gen.mse, gen_diffusion: gen.diffusion },
  };
}
