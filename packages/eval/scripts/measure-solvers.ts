// Linear-probe solver timings for issue 13's note (Node only; not part of the tests).
//
//   cd packages/eval && npx tsx --conditions=@darl/source scripts/measure-solvers.ts [--train 2000] [--test 1000]
//        [--cells 6,7,8] [--large-train 10000] [--large-test 2000] [--out scripts/measure-solvers.json]
//
// Features of a `small` Transformer at random init (width 128, depth 4, patch 4; the timing does not depend on the
// weights) on the first --train/--test Fashion-MNIST images, extracted once per attention mode for all 4 layers ×
// mean/last/concat (24 cells; index = attention·12 + layer·3 + pooling), then the --cells cells (default layer 2,
// causal, mean/last/concat) probed with each solver (L-BFGS softmax, ridge, the previous AdamW protocol) in the same
// run, so their ratios are comparable under whatever load the machine has. Then the larger split: raw pixels with
// each solver. Prints the load average.
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { useBackend } from '@darl/tensor-backend';
import { initTransformer, transformerConfig } from '@darl/transformer';
import { openDataset } from '@darl/patch-data/node';
import type { ImageDataset as ImageSource } from '@darl/patch-data';
import {
  extractFeatures,
  initPatchEmbedding,
  linearProbe,
  pixelFeatures,
  classLabels,
  transformerFeatureExtractor,
  type FeatureCache,
  type LinearProbeSolver,
} from '../src/index.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
};
const out = args.includes('--out') ? args[args.indexOf('--out') + 1]! : 'scripts/measure-solvers.json';
const info = await useBackend('wasm');
const load = (): string => loadavg().map((v) => v.toFixed(2)).join(' ');
const log = (m: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
log(`backend ${info.name}; load average ${load()}`);

function prefix(source: ImageSource, n: number): ImageSource {
  return { ...source, size: Math.min(n, source.size), label: (i: number) => source.label(i), readInto: source.readInto.bind(source) };
}
const fashionTrain = await openDataset('idx:/usr/share/datasets/fashion-mnist', { split: 'train' });
const fashionTest = await openDataset('idx:/usr/share/datasets/fashion-mnist', { split: 'test' });
const config = transformerConfig({ preset: 'small' });
const extractor = transformerFeatureExtractor({
  config,
  transformer: initTransformer(config, { seed: 0 }),
  embedding: initPatchEmbedding({ patchSize: 4, channels: 1, width: config.width, seed: 1 }),
  patchSize: 4,
});
const results: Record<string, unknown> = { backend: info.name, date: new Date().toISOString(), loadBefore: load() };

async function cache(train: ImageSource, test: ImageSource, poolings: ('mean' | 'last' | 'concat')[], attentions: ('causal' | 'full')[]) {
  const t0 = performance.now();
  const opts = { layers: [0, 1, 2, 3], poolings, attentions, batchSize: 128 };
  const c = { train: await extractFeatures(extractor, train, opts), test: await extractFeatures(extractor, test, opts) };
  return { ...c, seconds: (performance.now() - t0) / 1000 };
}

async function probeAll(c: { train: FeatureCache; test: FeatureCache }, trainLabels: Int32Array, testLabels: Int32Array, solver: LinearProbeSolver, limit = Infinity) {
  const cells = [];
  const t0 = performance.now();
  for (const e of c.train.entries.slice(0, limit)) {
    const s0 = performance.now();
    const r = await linearProbe({ features: e.features, labels: trainLabels }, { features: c.test.get(e.layer, e.pooling, e.attention).features, labels: testLabels }, 10, { solver });
    const seconds = (performance.now() - s0) / 1000;
    cells.push({ layer: e.layer, pooling: e.pooling, attention: e.attention, dim: e.features.dim, reg: r.weightDecay, valTop1: r.valTop1, testTop1: r.test.top1, seconds });
    log(`${solver} layer ${e.layer} ${e.pooling} ${e.attention} (dim ${e.features.dim}): val ${(100 * r.valTop1).toFixed(2)} %, test ${(100 * r.test.top1).toFixed(2)} %, ${seconds.toFixed(1)} s`);
  }
  return { cells, seconds: (performance.now() - t0) / 1000 };
}

const nTrain = opt('train', 2000);
const nTest = opt('test', 1000);
const small = { train: prefix(fashionTrain, nTrain), test: prefix(fashionTest, nTest) };
const yTrain = classLabels(small.train, 'train');
const yTest = classLabels(small.test, 'test');
const c = await cache(small.train, small.test, ['mean', 'last', 'concat'], ['causal', 'full']);
log(`extracted 24 cells of ${nTrain}/${nTest} in ${c.seconds.toFixed(1)} s; load ${load()}`);
const sweeps: Record<string, unknown> = { extractionSeconds: c.seconds };
const picked = (args.includes('--cells') ? args[args.indexOf('--cells') + 1]! : '6,7,8').split(',').map(Number);
const sub = { train: { ...c.train, entries: c.train.entries.filter((_, i) => picked.includes(i)) }, test: c.test };
for (const solver of ['lbfgs', 'ridge', 'adamw'] as const) {
  sweeps[solver] = await probeAll(sub, yTrain, yTest, solver);
  log(`${solver}: ${picked.length} cells in ${(sweeps[solver] as { seconds: number }).seconds.toFixed(1)} s; load ${load()}`);
}
results.small = { train: nTrain, test: nTest, ...sweeps };
writeFileSync(out, JSON.stringify(results, null, 2));

const lTrain = opt('large-train', 10000);
const lTest = opt('large-test', 2000);
if (lTrain > 0) {
  const large = { train: prefix(fashionTrain, lTrain), test: prefix(fashionTest, lTest) };
  const ly = classLabels(large.train, 'train');
  const lyt = classLabels(large.test, 'test');
  const px = { train: pixelFeatures(large.train), test: pixelFeatures(large.test) };
  const pixels: Record<string, unknown> = {};
  for (const solver of ['lbfgs', 'ridge', 'adamw'] as const) {
    const p0 = performance.now();
    const r = await linearProbe({ features: px.train, labels: ly }, { features: px.test, labels: lyt }, 10, { solver });
    const seconds = (performance.now() - p0) / 1000;
    pixels[solver] = { reg: r.weightDecay, valTop1: r.valTop1, testTop1: r.test.top1, seconds };
    log(`pixels ${lTrain}/${lTest} (${solver}): val ${(100 * r.valTop1).toFixed(2)} %, test ${(100 * r.test.top1).toFixed(2)} %, ${seconds.toFixed(1)} s; load ${load()}`);
    results.large = { train: lTrain, test: lTest, pixels };
    writeFileSync(out, JSON.stringify(results, null, 2));
  }
}
results.loadAfter = load();
writeFileSync(out, JSON.stringify(results, null, 2));
log(`written ${out}`);
