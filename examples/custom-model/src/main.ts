/**
 * custom-model — composing your own generative pretraining model from the packages. Two models, each pretrained on
 * the embedded digits and linearly probed:
 *
 *   A. the Transformer backbone with a NEW head — a per-pixel Gaussian (./gaussian-head.ts, implementing darl's
 *      DarlHead) — trained with `pretrain({ parts: { head } })`, which writes a run directory with report.html;
 *   B. DARL's diffusion head on a NEW backbone — an attention-free "causal mix" of MLPs over running means
 *      (./causal-mix-backbone.ts, implementing DarlBackbone) — trained with a hand-written loop over the
 *      browser-safe pieces (`buildDarl`, `initDarlParams`, `DarlTrainer`, `BatchStream`, `generate`).
 *
 *   pnpm --filter @darl/example-custom-model start    full mode
 *   pnpm --filter @darl/example-custom-model small    small mode (CI; fails loudly on nonsense)
 *   options: --backend NAME   --out DIR
 *
 * Backend: `useBackend('auto')` → wasm on a plain install; `--backend` takes any name in
 *   `BACKEND_CHOICES` (`--backend webgpu` for a GPU).
 * Expected on 2 cores (AMD Zen 4, wasm, measured 2026-11-27; see reference.json):
 *   full  — ~500 s wall (326 s CPU; 100 steps × 64 for each model): A's Gaussian NLL 1.66 → −0.85, probe 70.2 %;
 *           B's diffusion loss 0.91 → 0.12, probe 65.8 %; raw pixels 87.3 % (3000 train / 1000 test). A's samples at
 *           temperature 1 are speckled (independent per-pixel noise around the mean): the price of a factorised Gaussian.
 *   small — 24–59 s: 15 steps each; probes A ~39 %, B ~27 % vs ~77 % for raw pixels (200/100 images).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { probeSweep } from '@darl/eval';
import { BatchStream, pixelsToTensor, subsetDataset, type ImageDataset } from '@darl/patch-data';
import { encodeImageGrid, openDataset } from '@darl/patch-data/node';
import { disposeTree, useBackend, BACKEND_CHOICES, checkOneOf } from '@darl/tensor-backend';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import {
  buildDarl,
  darlFeatureExtractor,
  DarlTrainer,
  generate,
  initDarlParams,
  paramTree,
  RUN_PRESETS,
  trainConfigSchema,
  type DarlModel,
  type DarlParams,
} from '@darl/darl';
import { pretrain, probeJson, readRunData, writeReport } from '@darl/darl/node';
import { causalMixBackbone } from './causal-mix-backbone.js';
import { gaussianHead } from './gaussian-head.js';

// Errors print as a message and a stack of this recipe's sources (tfjs's wasm module would otherwise rethrow them
// from its own minified file), and exit non-zero.
process.setUncaughtExceptionCaptureCallback((err) => {
  console.error(`custom-model: FAILED — ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a, i) => i > 0 || a !== '--'), // `pnpm start -- --flag` passes the `--` on
  options: {
    small: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string' },
  },
});
const small = args.small;
const mode = small ? 'small' : 'full';
const started = performance.now();
checkOneOf('custom-model', '--backend', args.backend, BACKEND_CHOICES);
const backend = await useBackend(args.backend);
const out = resolve(args.out ?? join('runs', `custom-model-${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
await mkdir(out, { recursive: true });
console.log(`custom-model (${mode}): backend ${backend.name}, output under ${out}`);

const steps = small ? 15 : 100;
const batchSize = small ? 16 : 64;
const train = await openDataset('mnist', { split: 'train' });
const probeTrain = subsetDataset(train, small ? 200 : 3000, 1);
const probeTest = subsetDataset(await openDataset('mnist', { split: 'test' }), small ? 100 : 1000, 2);

/** Linear probe of a model in memory (probeRun needs a run directory whose model loadRun can rebuild). */
async function probe(model: DarlModel, params: DarlParams, dir: string) {
  const result = await probeSweep(darlFeatureExtractor(model, params), {
    train: probeTrain,
    test: probeTest,
    numClasses: 10,
    layers: small ? [1, 2] : [2, 3, 4],
    poolings: ['mean', 'last'],
    attentions: ['causal'],
  });
  const json = probeJson('mnist', result, { backend: backend.name });
  await writeFileAtomic(join(dir, 'probe.json'), `${JSON.stringify(json, null, 2)}\n`);
  return json;
}

// ── A. Transformer + Gaussian head, through pretrain({ parts }) ─────────────────────────────────────────────────
const dirA = join(out, 'transformer-gaussian');
const preset = RUN_PRESETS['digits-mse'];
const runA = {
  model: { ...preset.model }, // width 128, depth 4, patch 4; the objective's head is replaced below, sized by buildDarl
  train: { ...preset.train, steps, batchSize, warmupSteps: small ? 3 : 10, logEvery: 5, sampleEvery: 0, evalImages: small ? 64 : 256 },
};
console.log('\nA. Transformer backbone + Gaussian head');
const a = await pretrain({ run: runA, data: 'mnist', out: dirA, backend, progress: small ? 'lines' : 'auto', parts: { head: (s) => gaussianHead(s.width, s.patchDim) } });
const probeA = await probe(a.model, a.params, dirA);
disposeTree(paramTree(a.params));
const reference = fileURLToPath(new URL('../reference.json', import.meta.url));
if (existsSync(reference)) await cp(reference, join(dirA, 'reference.json'));
const reportA = await writeReport(dirA, { title: `custom-model A: Transformer + Gaussian head (${mode})` });
const firstA = (await readRunData(dirA)).metrics.find((r) => r.loss !== undefined)?.loss ?? Number.NaN;
console.log(`   NLL ${firstA.toFixed(3)} → ${a.finalLoss.toFixed(3)}; probe ${(100 * probeA.best.testAccuracy).toFixed(1)} %; report ${reportA}`);

// ── B. Causal-mix backbone + diffusion head, with a hand-written DarlTrainer loop ─────────────────────────────────
console.log('\nB. causal-mix backbone (no attention) + diffusion head');
const modelB = buildDarl(
  {
    image: { height: 28, width: 28, channels: 1 },
    patchSize: 4,
    objective: 'diffusion',
    diffusion: { noiseLevels: { kind: 'beta', a: 1, b: 2 }, decoder: { kind: 'mlp', depth: 2, width: 128 }, batchMultiplier: 2, sampleSteps: small ? 5 : 20 },
  },
  { backbone: (s) => causalMixBackbone({ width: 128, depth: 4, hidden: 256, rows: s.grid.rows, cols: s.grid.cols }) },
);
const paramsB = initDarlParams(modelB, { seed: 0 });
const trainer = new DarlTrainer(modelB, paramsB, trainConfigSchema.parse({ steps, batchSize, lr: 1e-3, warmupSteps: small ? 3 : 10, seed: 0 }));
const stream = new BatchStream(train as ImageDataset, { batchSize, seed: 0, shuffle: true, dropLast: true });
const lossesB: number[] = [];
const tB = performance.now();
while (trainer.step < steps) {
  const batch = stream.next();
  const images = pixelsToTensor(batch.pixels, [batch.indices.length, 28, 28, 1], { scale: 'minus-one-one' }); // [B, 28, 28, 1] in [−1, 1]
  const r = await trainer.stepOn([images]);
  images.dispose();
  lossesB.push(r.loss);
  if (r.step % 10 === 0 || r.step === 1) console.log(`   step ${r.step}/${steps}  loss ${r.loss.toFixed(4)}  lr ${r.lr.toExponential(2)}`);
}
trainer.dispose();
const secondsB = (performance.now() - tB) / 1000;
const dirB = join(out, 'causal-mix-diffusion');
await mkdir(dirB, { recursive: true });
const probeB = await probe(modelB, paramsB, dirB);
const samples = generate(modelB, paramsB, { n: 16, seed: 1 }); // [16, 28, 28, 1]; the cache is the backbone's own
await writeFileAtomic(join(dirB, 'samples.png'), encodeImageGrid(samples.dataSync() as Float32Array, [16, 28, 28, 1], { columns: 4 }));
const samplesOk = samples.shape[0] === 16 && (samples.dataSync() as Float32Array).every(Number.isFinite);
samples.dispose();
disposeTree(paramTree(paramsB));
const meanOf = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const firstB = meanOf(lossesB.slice(0, 3));
const lastB = meanOf(lossesB.slice(-3));
console.log(`   loss ${firstB.toFixed(3)} → ${lastB.toFixed(3)} in ${secondsB.toFixed(0)} s; probe ${(100 * probeB.best.testAccuracy).toFixed(1)} %; samples ${join(dirB, 'samples.png')}`);

console.log(`\ncustom-model (${mode}) finished in ${((performance.now() - started) / 1000).toFixed(0)} s on ${backend.name}`);
console.log(`  A. Transformer + Gaussian head      probe ${(100 * probeA.best.testAccuracy).toFixed(1)} % (layer ${probeA.best.layer}, ${probeA.best.pooling})`);
console.log(`  B. causal mix + diffusion head      probe ${(100 * probeB.best.testAccuracy).toFixed(1)} % (layer ${probeB.best.layer}, ${probeB.best.pooling})`);
console.log(`  raw-pixel baseline                  ${probeA.rawPixels ? `${(100 * probeA.rawPixels.testAccuracy).toFixed(1)} %` : 'n/a'}`);

const failures: string[] = [];
if (!(a.finalLoss < firstA - 0.3)) failures.push(`A: the Gaussian NLL did not fall (${firstA} → ${a.finalLoss})`);
if (!(lastB < 0.8 * firstB)) failures.push(`B: the diffusion loss did not fall (${firstB} → ${lastB})`);
const minProbe = small ? 0.25 : 0.5;
if (!(probeA.best.testAccuracy >= minProbe)) failures.push(`A: probe accuracy ${probeA.best.testAccuracy} < ${minProbe}`);
if (!(probeB.best.testAccuracy >= minProbe)) failures.push(`B: probe accuracy ${probeB.best.testAccuracy} < ${minProbe}`);
if (!samplesOk) failures.push('B: generated samples are not finite');
if (failures.length) {
  console.error(`custom-model: FAILED — ${failures.join('; ')}`);
  process.exit(1);
}


