// Measurements for the eval package's closing note (Node only; not part of the tests).
//
//   cd packages/eval && npx tsx --conditions=@darl/source scripts/measure.ts [--backend wasm] [--sweep-train 60000]
//        [--concat-train 10000] [--skip-sweep] [--out scripts/measure-results.json]
//
// 1. Raw-pixel linear probe (default LinearProbeConfig) on the embedded digits (8 000 / 2 000) and on Fashion-MNIST
//    (60 000 / 10 000, Debian's IDX files at /usr/share/datasets/fashion-mnist).
// 2. Wall time of the probe sweep on Fashion-MNIST for a `small` Transformer (width 128, depth 4, 4 heads; patch 4 →
//    49 tokens; random init: the timing does not depend on the weights): every layer × {mean, last} × {causal, full}
//    on the full training set, and the `concat` cells (6 272 features each) on the first --concat-train training
//    images (the full 60 000 × 6 272 × 4 layers concat cache would need ≈ 6 GB per attention mode).
import { writeFileSync } from 'node:fs';
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
const sweepTrain = Number(opt('sweep-train', '60000'));
const concatTrain = Number(opt('concat-train', '10000'));
const out = opt('out', 'scripts/measure-results.json');
const info = await useBackend(backend);
const log = (m: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
log(`backend ${info.name} (simd ${String(info.simd)}, threads ${String(info.threads)}), tfjs ${info.tfjsVersion}`);

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
  const r = linearProbe(
    { features: pixelFeatures(train), labels: readLabels(train, name) },
    { features: pixelFeatures(test), labels: readLabels(test, name) },
    10,
  );
  const seconds = (performance.now() - t0) / 1000;
  log(`${name}: raw-pixel linear probe val ${(100 * r.valTop1).toFixed(2)} %, test top-1 ${(100 * r.test.top1).toFixed(2)} %, top-5 ${(100 * r.test.top5!).toFixed(2)} %, weight decay ${r.weightDecay}, ${seconds.toFixed(1)} s`);
  return { train: train.size, test: test.size, valTop1: r.valTop1, testTop1: r.test.top1, testTop5: r.test.top5, weightDecay: r.weightDecay, validation: r.validation, seconds };
}

const results: Record<string, unknown> = { backend: info.name, date: new Date().toISOString() };
const digitsTrain = await openDataset('mnist', { split: 'train' });
const digitsTest = await openDataset('mnist', { split: 'test' });
results.digitsPixels = await pixelProbe('embedded digits', digitsTrain, digitsTest);
const fashionTrain = await openDataset('idx:/usr/share/datasets/fashion-mnist', { split: 'train' });
const fashionTest = await openDataset('idx:/usr/share/datasets/fashion-mnist', { split: 'test' });
results.fashionPixels = await pixelProbe('Fashion-MNIST', fashionTrain, fashionTest);
writeFileSync(out, JSON.stringify(results, null, 2));

if (!args.includes('--skip-sweep')) {
  const config = transformerConfig({ preset: 'small' });
  const extractor = transformerFeatureExtractor({
    config,
    transformer: initTransformer(config, { seed: 0 }),
    embedding: initPatchEmbedding({ patchSize: 4, channels: 1, width: config.width, seed: 1 }),
    patchSize: 4,
  });
  let lastLog = 0;
  const progress = (m: string): void => {
    if (!m.startsWith('extract') || performance.now() - lastLog > 30_000) log(m);
    lastLog = performance.now();
  };
  const main = await probeSweep(extractor, {
    train: prefix(fashionTrain, sweepTrain),
    test: fashionTest,
    numClasses: 10,
    poolings: ['mean', 'last'],
    pixelBaseline: false,
    batchSize: 128,
    onProgress: progress,
  });
  log(`sweep mean+last (${main.trainSize} / ${main.testSize}): ${main.seconds.total.toFixed(0)} s (extraction ${main.seconds.extraction.toFixed(0)} s, probes ${main.seconds.probes.toFixed(0)} s)`);
  console.log(formatProbeSweep(main));
  const concat = await probeSweep(extractor, {
    train: prefix(fashionTrain, concatTrain),
    test: fashionTest,
    numClasses: 10,
    poolings: ['concat'],
    pixelBaseline: false,
    batchSize: 128,
    onProgress: progress,
  });
  log(`sweep concat (${concat.trainSize} / ${concat.testSize}): ${concat.seconds.total.toFixed(0)} s (extraction ${concat.seconds.extraction.toFixed(0)} s, probes ${concat.seconds.probes.toFixed(0)} s)`);
  console.log(formatProbeSweep(concat));
  const strip = (r: typeof main) => ({ ...r, cells: r.cells.map(({ test, ...c }) => ({ ...c, testTop5: test.top5 })), best: { ...r.best, test: undefined } });
  results.sweepSmallRandomInit = { model: { preset: 'small', patchSize: 4, tokens: 49, init: 'random (seed 0)' }, meanLast: strip(main), concat: strip(concat) };
  writeFileSync(out, JSON.stringify(results, null, 2));
}
log(`results written to ${out}`);
