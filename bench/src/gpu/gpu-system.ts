/**
 * darl's side of the GPU benchmark: measures the figures of a {@link GpuBenchSpec} on the webgpu backend. `gpu-run.ts`
 * runs it in a process of its own (`--measure-darl`), so Dawn has released the GPU before PyTorch starts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, countDispatches, disposeTree, useBackend, type BackendInfo } from '@darl/tensor-backend';
import { benchFeatures, benchPositions, initBenchModel, numPatches, patchDim, trainingFlops, type BenchModelConfig } from '../reference-model.js';
import { generateImage, initDenoiser } from '../generation.js';
import type { GpuBenchSpec } from './gpu-configs.js';
import { timeAsync, type Timing } from './gpu-timing.js';
import { benchTrainer } from './train-step.js';

/** One figure: median ms per call, timed calls, and (where counted) WebGPU dispatches per call. */
export interface Figure extends Timing {
  readonly dispatches?: number;
  readonly gflop?: number;
}

/** Times `fn` and counts the WebGPU compute dispatches of one extra call of it (`countDispatches`). */
async function figure(fn: () => Promise<void>, spec: GpuBenchSpec, gflop?: number): Promise<Figure> {
  const t = await timeAsync(fn, spec);
  const { dispatches } = await countDispatches(fn);
  return { ...t, dispatches, ...(gflop === undefined ? {} : { gflop }) };
}

async function trainFigure(c: BenchModelConfig, spec: GpuBenchSpec): Promise<Figure> {
  const trainer = benchTrainer(c, 0);
  try {
    return await figure(async () => void (await trainer.step()), spec, trainingFlops(c) / 1e9);
  } finally {
    trainer.dispose();
  }
}

/** One generated image: MSE (`ddimSteps` 0) or diffusion with `spec.ddimSteps` DDIM steps per patch. */
async function generationFigure(spec: GpuBenchSpec, diffusion: boolean): Promise<Figure> {
  const c = spec.reference;
  const params = initBenchModel(c, 0);
  const den = initDenoiser(c, 1);
  const once = async (): Promise<void> => {
    const img = generateImage(params, c, diffusion ? { denoiser: den, ddimSteps: spec.ddimSteps } : {});
    await img.data();
    img.dispose();
  };
  try {
    return await figure(once, diffusion ? { ...spec, reps: Math.min(spec.reps, 3) } : spec);
  } finally {
    disposeTree(params as never);
    disposeTree(den as never);
  }
}

async function featureFigure(spec: GpuBenchSpec): Promise<Figure> {
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

/** Prefix of the stdout line that reports one finished figure. */
export const FIGURE_PREFIX = 'BENCH_FIGURE ';

/** A figure, or why it failed (the other figures still run). */
async function guarded(name: string, fn: () => Promise<Figure>): Promise<Figure | { error: string }> {
  try {
    const f = await fn();
    process.stderr.write(`darl webgpu: ${name} ${f.ms.toFixed(1)} ms (${f.dispatches} dispatches)\n`);
    return f;
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`darl webgpu: ${name} failed: ${message}\n`);
    return { error: message.split('\n')[0]!.slice(0, 500) };
  }
}

/** Measures every figure of `spec` on webgpu (the caller's process must not have chosen another backend). */
export async function measureDarlWebgpu(spec: GpuBenchSpec): Promise<Record<string, unknown>> {
  const info = await webgpuBackend();
  process.stderr.write(`darl webgpu: adapter ${JSON.stringify(info.webgpu)}\n`);
  const measurements: [string, () => Promise<Figure>][] = [
    ['train_reference', () => trainFigure(spec.reference, spec)],
    ['train_vit_s', () => trainFigure(spec.vitS, spec)],
    ['features', () => featureFigure(spec)],
    ['gen_mse', () => generationFigure(spec, false)],
    ['gen_diffusion', () => generationFigure(spec, true)],
  ];
  const figures: Record<string, Figure | { error: string }> = {};
  for (const [name, fn] of measurements) {
    figures[name] = await guarded(name, fn);
    // Each figure as soon as it is known, so a run stopped at its deadline still reports the finished ones.
    console.log(`${FIGURE_PREFIX}${JSON.stringify({ name, figure: figures[name] })}`);
  }
  return {
    system: 'darl webgpu',
    tfjsVersion: info.tfjsVersion,
    adapter: info.webgpu ?? null,
    webgpuCpuForward: tf.env().getBool('WEBGPU_CPU_FORWARD'),
    node: process.version,
    figures,
  };
}
