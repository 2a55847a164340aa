/**
 * Native against wasm on small work, in pairs: each round runs one process per backend, back to back, in alternating
 * order (wasm first in odd rounds, native first in even ones), so both see the same machine load. Each process times
 * the same figures; the runner prints per-round ratios native ÷ wasm (> 1: native is slower) with the load average,
 * and the median ratio over the rounds.
 *
 * Figures (per process, after warm-up):
 * - `train`: darl's `tiny` run preset (tiny backbone, patch 7) as the browser page trains it, batch 32, MSE:
 *   `DarlTrainer.stepOn`, ms per step;
 * - `data`: `pixelsToPatches` + `normPixTargets` on 256 images (28×28×1, patch 4), ms per batch;
 * - `probe`: `trainLbfgsSoftmaxClassifiers` on 2 000 rows × 128 features, 10 classes, 30 iterations, ms per fit;
 * - `gen`: one 28×28 MSE image from the tiny model (16 autoregressive steps), ms per image;
 * - `wait`: 20 × (exp of 1 M elements, large enough for every native thread, then a fixed amount of JavaScript work),
 *   ms per loop: its CPU time beyond the kernels' and the JavaScript's is threads spinning between kernels.
 *
 * Each figure also reports the process CPU time it took (all threads), which shows threads burning a core while they
 * wait.
 *
 *   pnpm --filter @darl/bench native-vs-wasm [--rounds 4] [--threads N]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { buildDarl, DarlTrainer, generate, initDarlParams, RUN_PRESETS, runConfigSchema } from '@darl/darl';
import { trainLbfgsSoftmaxClassifiers } from '@darl/eval';
import { normPixTargets, pixelsToPatches } from '@darl/patch-data';
import { Rng, useBackend, type BackendName } from '@darl/tensor-backend';
import { timeItAsync } from './timing.js';

const FIGURES = ['train', 'data', 'probe', 'gen', 'wait'] as const;
type Figure = (typeof FIGURES)[number];
/** One process's result: median wall ms and mean CPU ms (all threads) per repetition of each figure ({@link timeItAsync}). */
type ChildResult = Record<Figure, { wallMs: number; cpuMs: number }>;

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
};

function randomBytes(n: number, rng: Rng): Uint8Array {
  return Uint8Array.from(rng.uniformArray(n, 0, 256), Math.floor);
}

async function child(backend: BackendName): Promise<ChildResult> {
  await useBackend(backend);
  const rng = new Rng(1);
  const run = runConfigSchema.parse({
    model: { ...RUN_PRESETS.tiny.model, objective: 'mse' },
    train: { ...RUN_PRESETS.tiny.train, steps: 5000, batchSize: 32, lr: 2e-3, warmupSteps: 20, seed: 0, ema: 0 },
  });
  const model = buildDarl(run.model);
  const params = initDarlParams(model, { seed: 0 });
  const trainer = new DarlTrainer(model, params, run.train);
  const images = tf.tidy(() => tf.tensor4d(Float32Array.from(randomBytes(32 * 28 * 28, rng), (b) => b / 127.5 - 1), [32, 28, 28, 1]));
  const train = await timeItAsync(async () => void (await trainer.stepOn([images])), 30, 10);

  const bytes = randomBytes(256 * 28 * 28, rng);
  const data = await timeItAsync(
    async () => {
      const p = pixelsToPatches(bytes, [256, 28, 28, 1], 4, { scale: 'minus-one-one' });
      const { targets, mean, std } = normPixTargets(p);
      await targets.data();
      tf.dispose([p, targets, mean, std]);
    },
    200,
    20,
  );

  const rows = 2000;
  const dim = 128;
  const features = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = i % 10;
    for (let j = 0; j < dim; j++) features[i * dim + j] = rng.normalScalar() + (j % 10 === labels[i] ? 1 : 0);
  }
  const fm = { data: features, rows, dim };
  const probe = await timeItAsync(async () => void (await trainLbfgsSoftmaxClassifiers(fm, labels, 10, [1e-3], { maxIterations: 30, tolerance: 0 })), 5, 1);

  const gen = await timeItAsync(async () => {
    const img = generate(model, params, { n: 1, seed: 0 });
    await img.data();
    img.dispose();
  }, 15, 3);
  const big = tf.tidy(() => tf.randomUniform([1000, 1000], -1, 1, 'float32', 1));
  let sink = 0;
  const wait = await timeItAsync(async () => {
    for (let i = 0; i < 20; i++) {
      tf.exp(big).dispose();
      for (let j = 0; j < 200_000; j++) sink += Math.sqrt(sink + j);
    }
  }, 5, 1);
  if (!Number.isFinite(sink)) throw new Error('wait: the JavaScript work overflowed');
  tf.dispose([images, big]);
  return { train, data, probe, gen, wait };
}

if (argv.includes('--child')) {
  const result = await child(opt('child', 'wasm') as BackendName);
  console.log(JSON.stringify(result));
  process.exit(0);
}

const rounds = Number(opt('rounds', '4'));
const threads = opt('threads', '');
const self = fileURLToPath(import.meta.url);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const runChild = (backend: 'wasm' | 'native'): ChildResult => {
  const env = { ...process.env, ...(threads ? { DARL_NUM_THREADS: threads } : {}) };
  const r = spawnSync(process.execPath, ['--conditions=@darl/source', '--import', 'tsx', self, '--child', backend], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${backend} run failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
};

const ratios: Record<Figure, number[]> = { train: [], data: [], probe: [], gen: [], wait: [] };
const fmt = (x: { wallMs: number; cpuMs: number }) => `${x.wallMs.toFixed(2)} ms (cpu ${x.cpuMs.toFixed(2)})`;
console.log(`native ÷ wasm, ${rounds} rounds${threads ? `, DARL_NUM_THREADS=${threads}` : ''}; load average ${load()}`);
for (let r = 0; r < rounds; r++) {
  const order: ('wasm' | 'native')[] = r % 2 === 0 ? ['wasm', 'native'] : ['native', 'wasm'];
  const res: Partial<Record<'wasm' | 'native', ChildResult>> = {};
  for (const b of order) res[b] = runChild(b);
  const w = res.wasm!;
  const n = res.native!;
  const line = FIGURES.map((f) => {
    const ratio = n[f].wallMs / w[f].wallMs;
    ratios[f].push(ratio);
    return `${f}: wasm ${fmt(w[f])}, native ${fmt(n[f])}, ×${ratio.toFixed(2)}`;
  });
  console.log(`round ${r + 1} (${order.join(' then ')}; load ${load()})\n  ${line.join('\n  ')}`);
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(`median native ÷ wasm: ${FIGURES.map((f) => `${f} ×${med(ratios[f]).toFixed(2)}`).join(', ')}; load average ${load()}`);
