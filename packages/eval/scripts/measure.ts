// Measurements for the eval package's closing note (Node only; not part of the tests).
//
//   cd packages/eval && npx tsx --conditions=@darl/source scripts/measure.ts [--backend wasm] [--sweep-train 2000]
//        [--sweep-test 1000] [--skip-pixels] [--skip-sweep] [--out scripts/measure-results.json]
//
// 1. Raw-pixel linear probe (default LinearProbeConfig) on the embedded digits (8 000 / 2 000) and on Fashion-MNIST
//    (60 000 / 10 000, Debian's IDX files at /usr/share/datasets/fashion-mnist).
// 2. Wall time of the complete probe sweep (every layer × mean/last/concat × causal/full, plus the raw-pixel
//    baseline) on Fashion-MNIST for a `small` Transformer (width 128, depth 4, 4 heads; patch 4 → 49 tokens; random
//    init: the timing does not depend on the weights), on the first --sweep-train training and --sweep-test test
//    images, and the backbone's extraction throughput, from which the full-set time is extrapolated.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { useBackend, type BackendName } from '@darl/tensor-backend';
import { initTransformer, transformerConfig } from '@darl/transformer';
import { openDataset } from '@darl/patch-data/node';
import {
  formatProbeSweep,
  initPatchEmbedding,
  linearProbe,
  pixelFeatures,
  probeSweep,
  readLabels,
  transformerFeatureExtractor,
  type ImageSource,
} from '../src/index.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const backend = opt('backend', 'wasm') as BackendName;
const sweepTrain = Number(opt('sweep-train', '2000'));
const sweepTest = Number(opt('sweep-test', '1000'));
const out = opt('out', 'scripts/measure-results.json');
const info = await useBackend(backend);
const log = (m: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
log(`backend ${info.name} (simd ${String(info.simd)}, threads ${String(info.threads)}), tfjs ${info.tfjsVersion}`);

/** The first `n` images of `source`. */
function prefix(source: ImageSource, n: number): ImageSource {
  const size = Math.min(n, source.size);
  return {
    size,
    height: source.height,
    width: source.width,
    channels: source.channels,
    label: (i) => source.label(i),
    readInto: (i, o, off) => source.readInto(i, o, off),
  };
}

async function pixelProbe(name: string, train: ImageSource, test: ImageSource) {
  const t0 = performance.now();
  const r = await linearProbe(
    { features: pixelFeatures(train), labels: readLabels(train, name) },
    { features: pixelFeatures(test), labels: readLabels(test, name) },
    10,
  );
  const seconds = (performance.now() - t0) / 1000;
  log(`${name}: raw-pixel linear probe val ${(100 * r.valTop1).toFixed(2)} %, test top-1 ${(100 * r.test.top1).toFixed(2)} %, top-5 ${(100 * r.test.top5!).toFixed(2)} %, weight decay ${r.weightDecay}, ${seconds.toFixed(1)} s`);
  return { train: train.size, test: test.size, valTop1: r.valTop1, testTop1: r.test.top1, testTop5: r.test.top5, weightDecay: r.weightDecay, validation: r.validation, seconds };
}

let results: Record<string, unknown> = { backend: info.name, date: new Date().toISOString() };
if (existsSync(out)) results = { ...(JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>), ...results };
const digitsTrain = await openDataset('mnist', { split: 'train' });
const digitsTest = await openDataset('mnist', { split: 'test' });
const fashionTrain = await openDataset('idx:/usr/share/datasets/fashion-mnist', { split: 'train' });
const fashionTest = await openDataset('idx:/usr/share/datasets/fashion-mnist', { split: 'test' });
if (!args.includes('--skip-pixels')) {
  results.digitsPixels = await pixelProbe('embedded digits', digitsTrain, digitsTest);
  results.fashionPixels = await pixelProbe('Fashion-MNIST', fashionTrain, fashionTest);
  writeFileSync(out, JSON.stringify(results, null, 2));
}

if (!args.includes('--skip-sweep')) {
  const config = transformerConfig({ preset: 'small' });
  const extractor = transformerFeatureExtractor({
    config,
    transformer: initTransformer(config, { seed: 0 }),
    embedding: initPatchEmbedding({ patchSize: 4, channels: 1, width: config.width, seed: 1 }),
    patchSize: 4,
  });
  const sweep = await probeSweep(extractor, {
    train: prefix(fashionTrain, sweepTrain),
    test: prefix(fashionTest, sweepTest),
    numClasses: 10,
    batchSize: 128,
    onProgress: log,
  });
  const extracted = 2 * (sweep.trainSize + sweep.testSize);
  const imagesPerSecond = extracted / sweep.seconds.extraction;
  log(
    `probe sweep (${sweep.cells.length} cells + pixels, ${sweep.trainSize} train / ${sweep.testSize} test): ${sweep.seconds.total.toFixed(0)} s ` +
      `(extraction ${sweep.seconds.extraction.toFixed(0)} s = ${imagesPerSecond.toFixed(1)} images/s per attention pass, probes ${sweep.seconds.probes.toFixed(0)} s, pixels ${sweep.seconds.pixels.toFixed(0)} s)`,
  );
  console.log(formatProbeSweep(sweep));
  const byPooling: Record<string, number> = {};
  for (const c of sweep.cells) byPooling[c.pooling] = (byPooling[c.pooling] ?? 0) + c.seconds;
  results.sweepSmallRandomInit = {
    model: { preset: 'small', patchSize: 4, tokens: 49, init: 'random (seed 0)' },
    trainSize: sweep.trainSize,
    testSize: sweep.testSize,
    seconds: sweep.seconds,
    probeSecondsByPooling: byPooling,
    extractionImagesPerSecond: imagesPerSecond,
    extrapolatedFullExtractionSeconds: (2 * (fashionTrain.size + fashionTest.size)) / imagesPerSecond,
    best: { layer: sweep.best.layer, pooling: sweep.best.pooling, attention: sweep.best.attention, valTop1: sweep.best.valTop1, testTop1: sweep.best.testTop1 },
    pixels: sweep.pixels && { valTop1: sweep.pixels.valTop1, testTop1: sweep.pixels.testTop1 },
    cells: sweep.cells.map(({ test, ...c }) => ({ ...c, testTop5: test.top5 })),
  };
  writeFileSync(out, JSON.stringify(results, null, 2));
}
log(`results written to ${out}`);
