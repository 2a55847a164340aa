/**
 * Per-kernel profile of one training step (forward + backward) of the reference model.
 *
 *   pnpm --filter @darl/bench profile [--backend wasm|cpu] [--no-overrides] [--top 25]
 *
 * Kernel times are this process's CPU time (robust when other processes share the cores). Prints total milliseconds per kernel (and per kernel + shapes with --shapes), sorted by time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@darl/tensor-backend';
import { flattenTree } from '@darl/tensor-backend';
import { REFERENCE_CONFIG, benchLoss, benchPositions, initBenchModel, numPatches, patchDim } from './reference-model.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

async function main(): Promise<void> {
  const backend = arg('--backend', 'wasm') as BackendName;
  const overrides = !process.argv.includes('--no-overrides');
  const byShape = process.argv.includes('--shapes');
  const top = Number(arg('--top', '25'));
  const info = await useBackend(backend, { kernelOverrides: overrides });
  // Time kernels by this process's CPU time, not wall time: robust when other processes share the cores.
  const be = tf.backend() as unknown as { time(f: () => void): Promise<{ kernelMs: number }> };
  be.time = async (f) => {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    return { kernelMs: (c.user + c.system) / 1000 };
  };
  const c = REFERENCE_CONFIG;
  const params = initBenchModel(c, 0);
  const vars = flattenTree(params as never).map(([, v]) => v as tf.Variable);
  const positions = benchPositions(c);
  const patches = tf.randomNormal([c.batch, numPatches(c), patchDim(c)], 0, 1, 'float32', 1) as tf.Tensor3D;
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => benchLoss(params, c, patches, positions), vars);
    value.dataSync();
    value.dispose();
    tf.dispose(grads);
  };
  step();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  step();
  const wall = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  const cpuMs = (cu.user + cu.system) / 1000;
  const prof = await tf.profile(step);
  const totals = new Map<string, { ms: number; calls: number }>();
  let sum = 0;
  for (const k of prof.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    sum += ms;
    const key = byShape ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    const t = totals.get(key) ?? { ms: 0, calls: 0 };
    t.ms += ms;
    t.calls += 1;
    totals.set(key, t);
  }
  console.log(`backend ${info.name} overrides [${info.kernelOverrides.join(', ')}] simd=${info.simd} threads=${info.threads}`);
  console.log(`step wall ${wall.toFixed(0)} ms, step CPU ${cpuMs.toFixed(0)} ms, kernel CPU sum ${sum.toFixed(0)} ms, ${prof.kernels.length} kernel calls`);
  const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
  for (const [name, t] of rows) {
    console.log(`${t.ms.toFixed(1).padStart(9)} ms ${((100 * t.ms) / sum).toFixed(1).padStart(5)}% ${String(t.calls).padStart(5)}×  ${name}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
