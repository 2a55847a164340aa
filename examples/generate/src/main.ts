/**
 * generate — the autoregressive sampling loop written out from public pieces, on a model loaded from a run directory:
 * a KV cache from @darl/transformer (`createKVCache` + `applyTransformer` one token at a time), the head's
 * prediction for the next patch (for diffusion heads: @darl/diffusion's reverse loop `samplingGammas` → `predictX0`
 * → `ddimStep`/`ddpmStep`, for MSE heads the linear map), and prefix completion (the top rows of real digits given,
 * the rest generated). Writes `samples.png` and `completions.png` (per row: original, the given top half, then
 * completions) and checks that the hand-written loop reproduces darl's own `generate()` exactly.
 *
 *   pnpm --filter @darl/example-generate start -- --run DIR    sample from a finished run (e.g. the demo's)
 *   pnpm --filter @darl/example-generate start                 no --run: first trains a short diffusion model
 *   pnpm --filter @darl/example-generate small                 small mode (CI; trains a few steps, fails loudly)
 *   options: --sampler ddim|ddpm   --steps N (denoising steps per patch)   --temperature T   --given-rows R
 *            --backend NAME   --out DIR
 *
 * Backend: `useBackend('auto')` → wasm on a plain install; `--backend` takes any name in
 *   `BACKEND_CHOICES` (`--backend webgpu` for a GPU).
 * Expected on 2 cores (AMD Zen 4, wasm, measured 2026-11-27; see reference.json):
 *   full  — 150 s without --run (training 150 steps × 32 takes ~140 s at ~37 img/s; 16 samples with 20 DDIM steps
 *           per patch take ~1 s): samples are varied stroke fragments, some digit-like; completions of one test digit
 *           per class continue the given strokes (the 1, 6 and 8 come out recognisable, others fragmentary); the
 *           hand-written loop equals generate() exactly (max difference 0).
 *   small — ~10 s: trains 12 steps, samples 4 images and completes 3; the loop equals generate() exactly.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { ddimStep, ddpmStep, predictX0, samplingGammas, samplingSchedule, type DiffusionHeadParams } from '@darl/diffusion';
import { pixelsToTensor, readImages, unorderPatches, unpatchify } from '@darl/patch-data';
import { encodeImageGrid, openDataset } from '@darl/patch-data/node';
import { disposeTree, Rng, useBackend, BACKEND_CHOICES, checkOneOf } from '@darl/tensor-backend';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import { applyLinear, applyTransformer, createKVCache, disposeKVCache, slicePositions, type TokenPositions, type TransformerParams } from '@darl/transformer';
import {
  backboneConfigFor,
  diffusionHeadConfigFor,
  generate,
  paramTree,
  RUN_PRESETS,
  toPatchSequence,
  type DarlModel,
  type DarlParams,
  type MseHeadParams,
} from '@darl/darl';
import { loadRun, pretrain, writeReport } from '@darl/darl/node';

// Errors print as a message and a stack of this recipe's sources (tfjs's wasm module would otherwise rethrow them
// from its own minified file), and exit non-zero.
process.setUncaughtExceptionCaptureCallback((err) => {
  console.error(`generate: FAILED — ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a, i) => i > 0 || a !== '--'), // `pnpm start -- --flag` passes the `--` on
  options: {
    small: { type: 'boolean', default: false },
    run: { type: 'string' },
    sampler: { type: 'string' },
    steps: { type: 'string' },
    temperature: { type: 'string', default: '1' },
    'given-rows': { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string' },
  },
});
const small = args.small;
const mode = small ? 'small' : 'full';
const started = performance.now();
checkOneOf('generate', '--backend', args.backend, BACKEND_CHOICES);
const backend = await useBackend(args.backend);
const out = resolve(args.out ?? join('runs', `generate-${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
await mkdir(out, { recursive: true });
console.log(`generate (${mode}): backend ${backend.name}, output under ${out}`);

// ── 0. A model: the run given with --run, or a short diffusion run trained here ─────────────────────────────────
let runDir = args.run ? resolve(args.run) : '';
if (!runDir) {
  runDir = join(out, 'model');
  const preset = RUN_PRESETS['digits-diffusion'];
  console.log(`no --run given: training a short diffusion model in ${runDir}`);
  const trained = await pretrain({
    run: {
      model: {
        ...preset.model,
        diffusion: { noiseLevels: { kind: 'beta', a: 1, b: 2 }, decoder: { kind: 'mlp', depth: 2, width: 128 }, batchMultiplier: 2, sampleSteps: small ? 5 : 20 },
      },
      train: small
        ? { ...preset.train, steps: 12, batchSize: 16, warmupSteps: 2, logEvery: 4, sampleEvery: 0, evalImages: 0 }
        : { ...preset.train, steps: 150, batchSize: 32, warmupSteps: 15, logEvery: 5, sampleEvery: 0, evalImages: 256 },
    },
    data: 'mnist',
    out: runDir,
    backend,
    progress: small ? 'lines' : 'auto',
  });
  disposeTree(paramTree(trained.params));
  const reference = fileURLToPath(new URL('../reference.json', import.meta.url));
  if (existsSync(reference)) await cp(reference, join(runDir, 'reference.json'));
  await writeReport(runDir, { title: `generate: the model (${mode})` });
}
const loaded = await loadRun(runDir);
const { model, params } = loaded;
if (model.backbone.kind !== 'transformer') throw new Error(`generate: this recipe writes out the Transformer's KV-cache loop; ${runDir} has a "${model.backbone.kind}" backbone.`);
const diffusion = model.config.objective === 'diffusion';
const sampler = (args.sampler ?? model.config.diffusion.sampler) as 'ddim' | 'ddpm';
if (sampler !== 'ddim' && sampler !== 'ddpm') throw new Error(`generate: --sampler must be ddim or ddpm, got "${sampler}".`);
const denoiseSteps = args.steps ? Number(args.steps) : model.config.diffusion.sampleSteps;
const temperature = Number(args.temperature);
console.log(
  `model: ${model.config.objective}, ${model.grid.rows}×${model.grid.cols} patches of ${model.config.patchSize}×${model.config.patchSize}` +
    (diffusion ? `, ${sampler.toUpperCase()} with ${denoiseSteps} steps per patch, temperature ${temperature}` : ' (the MSE head generates its mean prediction)'),
);

// ── 1. The pieces ──────────────────────────────────────────────────────────────────────────────────────────────
const transformerConfig = backboneConfigFor(model.config, model.length); // the backbone's resolved Transformer config
const backboneParams = params.backbone as TransformerParams;
const headConfig = diffusionHeadConfigFor(model.config.diffusion, model.backbone.width, model.patchDim);
const C = model.backbone.width;
const D = model.patchDim;
const L = model.length;

/** (row, col) of input tokens start … end−1 (token t carries the position of the patch it predicts, t+1). */
function positions(start: number, end: number): TokenPositions {
  return slicePositions(model.positions, start, end);
}

/** The head: the next patch [N, D] from the backbone output at the current position [N, C]. */
function nextPatch(condition: tf.Tensor2D, rng: Rng): tf.Tensor2D {
  if (!diffusion) return applyLinear((params.head as MseHeadParams).out, condition) as tf.Tensor2D;
  const head = params.head as DiffusionHeadParams;
  const gammas = samplingGammas(denoiseSteps, samplingSchedule(headConfig)); // γ_0 < γ_1 < … < γ_steps = 1
  let x = rng.normal([condition.shape[0], D]) as tf.Tensor2D; // pure noise
  for (let i = 0; i < denoiseSteps; i++) {
    const next = tf.tidy(() => {
      const x0 = predictX0(head, headConfig, x, condition, gammas[i]!); // the decoder's clean-patch estimate
      return sampler === 'ddim'
        ? ddimStep(x, x0, gammas[i]!, gammas[i + 1]!, { rng, temperature, eta: 0 })
        : ddpmStep(x, x0, gammas[i]!, gammas[i + 1]!, { rng, temperature });
    });
    x.dispose();
    x = next;
  }
  return x;
}

/**
 * The sampling loop. `prefix` (optional): images [N, H, W, Ch] in [−1, 1] whose first `given` patches are kept.
 * @returns images float32 [N, H, W, Ch] in [−1, 1] (caller owns)
 */
function sample(n: number, seed: number, prefix?: { images: tf.Tensor4D; given: number }): tf.Tensor4D {
  const rng = new Rng(seed);
  const given = prefix?.given ?? 0;
  const cache = createKVCache(transformerConfig, n); // keys/values of every block, grown one token at a time
  const patches: tf.Tensor2D[] = []; // patch 1 … L in sequence order, each [N, D]
  try {
    // First call: SOS plus the given patches, in one chunk; the output at the last token predicts patch given+1.
    let condition = tf.tidy(() => {
      let tokens = tf.tile(params.sos, [n, 1, 1]) as tf.Tensor3D; // [N, 1, C]
      if (given > 0) {
        const seq = toPatchSequence(model, prefix!.images); // [N, L, D] in the model's patch order
        const kept = tf.slice(seq, [0, 0, 0], [n, given, D]); // [N, given, D]
        for (let t = 0; t < given; t++) patches.push(tf.keep(tf.reshape(tf.slice(kept, [0, t, 0], [n, 1, D]), [n, D]) as tf.Tensor2D));
        tokens = tf.concat([tokens, applyLinear(params.embed, kept) as tf.Tensor3D], 1); // [N, 1 + given, C]
      }
      const { output } = applyTransformer(backboneParams, transformerConfig, tokens, { positions: positions(0, given + 1), attention: 'causal', cache });
      return tf.reshape(tf.slice(output, [0, given, 0], [n, 1, C]), [n, C]) as tf.Tensor2D; // [N, C]
    });
    for (let t = given; t < L; t++) {
      const patch = nextPatch(condition, rng); // patch t+1, [N, D]
      condition.dispose();
      patches.push(patch);
      if (t === L - 1) break;
      // Feed the new patch back: one token through the Transformer, attending to the cached keys and values.
      condition = tf.tidy(() => {
        const token = tf.reshape(applyLinear(params.embed, patch), [n, 1, C]) as tf.Tensor3D;
        const { output } = applyTransformer(backboneParams, transformerConfig, token, { positions: positions(t + 1, t + 2), attention: 'causal', cache });
        return tf.reshape(output, [n, C]) as tf.Tensor2D;
      });
    }
    return tf.tidy(() => {
      const sequence = tf.stack(patches, 1) as tf.Tensor3D; // [N, L, D] in sequence order
      const raster = unorderPatches(sequence, model.order); // back to raster order
      const { height, width, channels } = model.config.image;
      return unpatchify(raster, { height, width, channels, patchSize: model.config.patchSize }) as tf.Tensor4D;
    });
  } finally {
    for (const p of patches) p.dispose();
    disposeKVCache(cache);
  }
}

// ── 2. Unconditional samples ───────────────────────────────────────────────────────────────────────────────────
const { height, width, channels } = model.config.image;
const nSamples = small ? 4 : 16;
const t0 = performance.now();
const samples = sample(nSamples, 1);
const sampleSeconds = (performance.now() - t0) / 1000;
const samplesPng = join(out, 'samples.png');
await writeFileAtomic(samplesPng, encodeImageGrid(samples.dataSync() as Float32Array, [nSamples, height, width, channels], { columns: Math.ceil(Math.sqrt(nSamples)) }));
console.log(`${nSamples} samples in ${sampleSeconds.toFixed(1)} s → ${samplesPng}`);

// The same seed through darl's generate() must give the same images: the loop above is what it does.
const reference = generate(model, params as DarlParams, { n: nSamples, seed: 1, steps: denoiseSteps, sampler, temperature });
const loopDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(samples, reference))).dataSync()[0]!);
reference.dispose();
console.log(`hand-written loop vs darl's generate(): max |difference| = ${loopDiff.toExponential(2)}`);

// ── 3. Prefix completion: the top rows of test digits given, the rest generated ─────────────────────────────────
const test = await openDataset(loaded.state.data, { split: 'test' }); // the data the run trained on
const nDigits = small ? 3 : 10; // one digit per class
const variants = diffusion ? 3 : 1;
const givenRows = args['given-rows'] ? Number(args['given-rows']) : Math.round(model.grid.rows / 2);
const rasterOrder = model.config.patchOrder.kind === 'raster';
const given = givenRows * model.grid.cols; // in raster order these are exactly the top `givenRows` patch rows
// The first test image of each class 0, 1, 2, … (the embedded test split is grouped by class).
const firstOfClass = new Map<number, number>();
for (let i = 0; i < test.size && firstOfClass.size < nDigits; i++) {
  const label = test.label(i) ?? i;
  if (!firstOfClass.has(label)) firstOfClass.set(label, i);
}
const idx = Int32Array.from([...firstOfClass.entries()].sort((a, b) => a[0] - b[0]).map(([, i]) => i));
const shown = idx.length; // fewer when the data has fewer classes
const originals = pixelsToTensor(readImages(test, idx), [shown, height, width, channels], { scale: 'minus-one-one' });
const completions = Array.from({ length: variants }, (_, v) => sample(shown, 100 + v, { images: originals, given }));
const visibleRows = givenRows * model.config.patchSize;
const masked = tf.tidy(() => {
  const keep = tf.concat([tf.ones([1, visibleRows, width, channels]), tf.zeros([1, height - visibleRows, width, channels])], 1);
  return tf.mul(originals, keep) as tf.Tensor4D; // the given part; the rest mid-grey
});
const grid = tf.tidy(() => tf.reshape(tf.stack([originals, masked, ...completions], 1), [shown * (variants + 2), height, width, channels]));
const completionsPng = join(out, 'completions.png');
await writeFileAtomic(completionsPng, encodeImageGrid(grid.dataSync() as Float32Array, [shown * (variants + 2), height, width, channels], { columns: variants + 2 }));
// In raster order the given top rows must come back unchanged.
const prefixDiff = rasterOrder
  ? tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(completions[0]!, [0, 0, 0, 0], [shown, visibleRows, width, channels]), tf.slice(originals, [0, 0, 0, 0], [shown, visibleRows, width, channels])))).dataSync()[0]!)
  : 0;
const finite = (samples.dataSync() as Float32Array).every(Number.isFinite) && completions.every((c) => (c.dataSync() as Float32Array).every(Number.isFinite));
console.log(`completions of ${shown} test digits (top ${visibleRows} of ${height} pixel rows given, ${variants} completion(s) each) → ${completionsPng}`);
for (const t of [samples, originals, masked, grid, ...completions]) t.dispose();
loaded.dispose();

console.log(`\ngenerate (${mode}) finished in ${((performance.now() - started) / 1000).toFixed(0)} s on ${backend.name}`);
const failures: string[] = [];
if (!(loopDiff <= 1e-4)) failures.push(`the hand-written loop differs from generate() by ${loopDiff}`);
if (!(prefixDiff <= 1e-5)) failures.push(`the given rows changed by ${prefixDiff}`);
if (!finite) failures.push('generated pixels are not finite');
if (failures.length) {
  console.error(`generate: FAILED — ${failures.join('; ')}`);
  process.exit(1);
}

