/**
 * levers — chooses the full recipe's settings on held-out training images only, never on the test split.
 *
 * Each lever (src/lever-settings.ts) is pretrained for the same wall-clock budget on one core on 50 000 of the 60 000
 * training images; a linear probe (L-BFGS logistic regression, L2 fixed in advance, mean pooling, causal readout, the top
 * three layers) is fitted on those 50 000 and scored on the 10 000 held out (a seeded split). The table in src/main.ts
 * came from two such processes side by side on an otherwise idle machine, one per core (`DARL_NUM_THREADS=1` each), so
 * that every lever had one core for the same time:
 *
 *   DARL_NUM_THREADS=1 pnpm --filter @darl/example-fashion-mnist levers -- --only a,b --budget 300 --out DIR
 *
 * One JSON line per lever is appended to `<out>/levers.jsonl`; the table is in this recipe's header (src/main.ts).
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { disposeTree, useBackend } from '@darl/tensor-backend';
import { darlFeatureExtractor, paramTree } from '@darl/darl';
import { loadRun, pretrain } from '@darl/darl/node';
import { holdoutSplit, probeSweep } from '@darl/eval';
import { datasetView } from '@darl/patch-data';
import { openDataset } from '@darl/patch-data/node';
import { LEVERS, isLeverName, leverNamed, leverRun, HELD_OUT, PROBE_L2 } from './lever-settings.js';

process.setUncaughtExceptionCaptureCallback((err) => {
  console.error(`levers: FAILED — ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    only: { type: 'string' },
    budget: { type: 'string', default: '300' },
    out: { type: 'string', default: 'runs/levers' },
    'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
  },
});
const budgetSeconds = Number(args.budget);
if (!(budgetSeconds > 0)) {
  console.error(`levers: --budget takes the wall-clock seconds of pretraining per lever (a positive number), got "${args.budget}".`);
  process.exit(2);
}
const names: string[] = args.only?.split(',') ?? LEVERS.map((l) => l.name);
const unknown = names.filter((n) => !isLeverName(n));
if (unknown.length) {
  console.error(`levers: unknown lever(s) ${unknown.join(', ')} in --only; the levers are ${LEVERS.map((l) => l.name).join(', ')}.`);
  process.exit(2);
}
const levers = names.filter(isLeverName).map(leverNamed);
const out = resolve(args.out);
await mkdir(out, { recursive: true });

const backend = await useBackend('auto');
const spec = `idx:${resolve(args['data-dir'])}`;
const full = await openDataset(spec, { split: 'train' });
const split = holdoutSplit(full.size, HELD_OUT.fraction, HELD_OUT.seed);
const fit = datasetView(full, split.fit, `${full.name} (fit, ${split.fit.length})`);
const val = datasetView(full, split.val, `${full.name} (held out, ${split.val.length})`);

for (const lever of levers) {
  const name = lever.name;
  const dir = join(out, name);
  const trained = await pretrain({ run: leverRun(lever, budgetSeconds), data: spec, datasets: { train: fit, test: val }, out: dir, backend, progress: 'none' });
  disposeTree(paramTree(trained.params));
  const loaded = await loadRun(dir, { onNote: () => {} });
  const t0 = performance.now();
  const probe = await probeSweep(darlFeatureExtractor(loaded.model, loaded.params), {
    train: fit,
    test: val,
    numClasses: 10,
    layers: [2, 1, 0].map((k) => loaded.model.backbone.depth - k),
    poolings: ['mean'],
    attentions: ['causal'],
    scale: loaded.model.config.pixelScale,
    probe: { seed: 0, l2s: [PROBE_L2] },
    pixelBaseline: false,
    batchSize: 256,
  });
  loaded.dispose();
  const byLayer = Object.fromEntries(probe.cells.map((c) => [c.layer, c.testTop1]));
  const row = { lever: name, budgetSeconds, steps: trained.step, images: trained.step * lever.batchSize, wallSeconds: trained.wallSeconds, finalLoss: trained.finalLoss, heldOut: byLayer, best: probe.best.testTop1, probeSeconds: (performance.now() - t0) / 1000, loadAverage: loadavg()[0] };
  await appendFile(join(out, 'levers.jsonl'), `${JSON.stringify(row)}\n`);
  console.log(`${name}: ${row.steps} steps (${row.images} images) in ${row.wallSeconds.toFixed(0)} s; held-out probe ${Object.entries(byLayer).map(([l, a]) => `L${l} ${(100 * a).toFixed(2)} %`).join(', ')}; load ${row.loadAverage?.toFixed(1)}`);
}
