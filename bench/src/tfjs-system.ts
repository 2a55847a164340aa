/**
 * Measures one tfjs system (backend, with or without darl's kernel overrides) in its own process and prints one line
 * `BENCH_RESULT {json}`. Run by `run.ts`; runnable alone:
 *
 *   node --conditions=@darl/source --import tsx src/tfjs-system.ts --backend wasm [--no-overrides] [--quick]
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, Rng, gradientsByPath, useBackend, type BackendName } from '@darl/tensor-backend';
import { normPixTargets, pixelsToPatches } from '@darl/patch-data';
import { REFERENCE_CONFIG, benchFeatures, benchLoss, benchPositions, initBenchModel, numPatches, patchDim } from './reference-model.js';
import { generateImage, initDenoiser } from './generation.js';
import { BENCH_EMA_DECAY, referenceTrainer } from './trainer-step.js';
import { sgemmGflops } from './peak.js';
import { timeIt, timeItAsync } from './timing.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

/** `DarlTrainer` steps on the reference preset, as configured (EMA off) and, when `withEma`, with EMA on. */
async function benchTrainer(reps: number, withEma: boolean): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const variants: [string, number | undefined][] = [['trainer', undefined], ...(withEma ? [['trainer_ema', BENCH_EMA_DECAY] as [string, number]] : [])];
  for (const [key, ema] of variants) {
    const t = referenceTrainer(ema === undefined ? {} : { ema });
    const r = await timeItAsync(() => t.step(), reps, 1);
    out[`${key}_ms`] = r.wallMs;
    out[`${key}_cpu_ms`] = r.cpuMs;
    out[`${key}_settings`] = t.settings;
    t.dispose();
  }
  return out;
}

/** GFLOP/s of one n×n by n×n `tf.matMul` on the current backend (best of `reps` after a warm-up). */
async function benchSgemm(n: number, reps: number): Promise<{ sgemm_size: number; sgemm_gflops: number }> {
  const rng = new Rng(6);
  const a = rng.normal([n, n]) as tf.Tensor2D;
  const b = rng.normal([n, n]) as tf.Tensor2D;
  let best = Infinity;
  for (let i = 0; i <= reps; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    const ms = performance.now() - t0;
    c.dispose();
    if (i > 0) best = Math.min(best, ms); // the first call is the warm-up
  }
  tf.dispose([a, b]);
  return { sgemm_size: n, sgemm_gflops: sgemmGflops(n, best) };
}

/** Data throughput: `pixelsToPatches` + `normPixTargets` for 256 images (median wall ms per batch). */
function benchData(c: typeof REFERENCE_CONFIG, quick: boolean): { wallMs: number; cpuMs: number } {
  const rng = new Rng(2);
  const B = 256;
  const bytes = Uint8Array.from(rng.uniformArray(B * c.imageSize * c.imageSize * c.channels, 0, 256), (v) => Math.floor(v));
  return timeIt(
    () => {
      const p = pixelsToPatches(bytes, [B, c.imageSize, c.imageSize, c.channels], c.patchSize, { scale: 'minus-one-one' });
      const { targets, mean, std } = normPixTargets(p);
      targets.dataSync();
      tf.dispose([p, targets, mean, std]);
    },
    quick ? 3 : 20,
    2,
  );
}

async function main(): Promise<void> {
  const backend = arg('--backend', 'wasm') as BackendName | 'auto';
  const overrides = !process.argv.includes('--no-overrides');
  const quick = process.argv.includes('--quick');
  const slow = backend === 'cpu' || !overrides;
  const info = await useBackend(backend, { kernelOverrides: overrides });
  const c = REFERENCE_CONFIG;
  const params = initBenchModel(c, 0);
  const opt = new AdamW(params as never, { weightDecay: 0.05 });
  const positions = benchPositions(c);
  const patches = new Rng(1).normal([c.batch, numPatches(c), patchDim(c)]) as tf.Tensor3D;

  const trainStep = (): void => {
    const { loss, grads } = gradientsByPath(params as never, () => benchLoss(params, c, patches, positions));
    opt.step(grads, 1e-4);
    loss.dataSync();
    loss.dispose();
    tf.dispose(Object.values(grads));
  };
  const trainReps = quick ? 2 : slow ? 3 : 10;
  const train = timeIt(trainStep, trainReps, 1);

  const genImage = (denoise: boolean, den?: ReturnType<typeof initDenoiser>): void => {
    const img = generateImage(params, c, denoise && den ? { denoiser: den, ddimSteps: 20 } : {});
    img.dataSync();
    img.dispose();
  };
  const genMse = timeIt(() => genImage(false), quick ? 1 : 5, quick ? 0 : 1);
  const den = initDenoiser(c, 1);
  const genDiff = timeIt(() => genImage(true, den), 1, quick ? 0 : 1);

  // Feature extraction (the probe's cost): backbone forward of 256 images, no gradients.
  const FEATURE_BATCH = 256;
  const featurePatches = new Rng(3).normal([FEATURE_BATCH, numPatches(c), patchDim(c)]) as tf.Tensor3D;
  const features = timeIt(
    () => {
      const f = benchFeatures(params, c, featurePatches, positions);
      f.dataSync();
      f.dispose();
    },
    quick ? 1 : 5,
    1,
  );

  const trainer = await benchTrainer(slow ? 1 : trainReps, !slow);
  // A large SGEMM on this backend (not on the slow cpu / stock-wasm systems, where it would take minutes).
  const sgemm = slow ? {} : await benchSgemm(quick ? 512 : 2048, quick ? 1 : 3);

  const data = benchData(c, quick);

  const result = {
    system: `tfjs-${info.name}${info.name === 'wasm' ? (overrides ? '+overrides' : '-stock') : ''}${backend === 'auto' ? ' (auto)' : ''}`,
    native: info.native ?? null,
    backend: info.name,
    tfjsVersion: info.tfjsVersion,
    simd: info.simd ?? null,
    threads: info.threads ?? null,
    kernelOverrides: info.kernelOverrides,
    train_ms: train.wallMs,
    train_cpu_ms: train.cpuMs,
    train_reps: trainReps,
    gen_mse_ms: genMse.wallMs,
    gen_diffusion_ms: genDiff.wallMs,
    data_ms_per_256: data.wallMs,
    features_ms_per_256: features.wallMs,
    ...trainer,
    ...sgemm,
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
