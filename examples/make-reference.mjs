#!/usr/bin/env node
// Turns a finished full-mode run directory into a recipe's reference.json (the run-directory format's reference
// run): the loss curve thinned to at most 200 points, the probe's best test accuracy and the raw-pixel baseline,
// and notes saying where, on what and when the reference was measured.
//
//   node examples/make-reference.mjs RUN_DIR NAME [NOTE] > examples/<recipe>/reference.json
//   (for the ablations recipe RUN_DIR is its output directory holding ablations.json: one reference per setting)
//
// Plain Node, no dependencies: it only reads JSON files.
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const [dir, name, note = ''] = process.argv.slice(2);
if (!dir || !name) {
  console.error('usage: node examples/make-reference.mjs RUN_DIR NAME [NOTE]   (RUN_DIR may be an ablations output directory)');
  process.exit(2);
}
let reference;
if (existsSync(join(dir, 'ablations.json'))) {
  // The ablations recipe: one reference run per setting (its seed-0 run), { name, settings: { [setting]: reference } }.
  const table = JSON.parse(readFileSync(join(dir, 'ablations.json'), 'utf8'));
  const settings = {};
  for (const run of table.runs.filter((r) => r.seed === 0)) settings[run.setting] = referenceOf(run.runDir, `${name}: ${run.setting}`, note);
  reference = { name, settings };
} else {
  for (const f of ['metrics.jsonl', 'latest.json', 'config.json']) {
    if (!existsSync(join(dir, f))) {
      console.error(`make-reference: ${join(dir, f)} is missing; give a finished darl run directory.`);
      process.exit(2);
    }
  }
  reference = referenceOf(dir, name, note);
}
// [step, loss] pairs on one line each.
console.log(JSON.stringify(reference, null, 2).replace(/\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]/g, '[$1, $2]'));

/** The reference run of one run directory. */
function referenceOf(runDir, runName, extraNote) {
  const points = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .filter((r) => typeof r.step === 'number' && typeof r.loss === 'number' && r.event === undefined)
    .map((r) => [r.step, Number(r.loss.toPrecision(5))]);
  const stride = Math.max(1, Math.ceil(points.length / 200));
  const loss = points.filter((_, i) => i % stride === 0 || i === points.length - 1);
  // The committed checkpoint's state (see the run-directory format in packages/darl/README.md).
  const latest = JSON.parse(readFileSync(join(runDir, 'latest.json'), 'utf8'));
  const state = JSON.parse(readFileSync(join(runDir, latest.dir, 'state.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
  const probePath = join(runDir, 'probe.json');
  const probe = existsSync(probePath) ? JSON.parse(readFileSync(probePath, 'utf8')) : null;
  const ftPath = join(runDir, 'finetune.json');
  const finetune = existsSync(ftPath) ? JSON.parse(readFileSync(ftPath, 'utf8')) : null;
  const backend = state.backend ?? {};
  const notes = [
    `Full-mode run of ${config.train.steps} steps × ${config.train.batchSize} images, seed ${config.train.seed}`,
    `measured ${String(state.startedAt).slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), shared with other jobs`,
    `backend ${backend.name ?? 'unknown'}${backend.simd !== undefined ? ` (simd ${backend.simd ? 'on' : 'off'})` : ''}, tfjs-core ${state.versions?.['@tensorflow/tfjs-core'] ?? '?'}, node ${state.versions?.node ?? '?'}`,
    `training wall time ${Math.round(state.wallSeconds)} s`,
    ...(probe ? [`probe: best layer ${probe.best.layer}, ${probe.best.pooling} pooling, ${probe.best.attention} attention, ${probe.trainSize} train / ${probe.testSize} test images`] : []),
    ...(finetune?.final?.testAccuracy !== undefined ? [`fine-tuned test accuracy ${finetune.final.testAccuracy}`] : []),
    ...(extraNote ? [extraNote] : []),
  ].join('; ');
  return {
    name: runName,
    loss,
    ...(probe
      ? { probe: { testAccuracy: probe.best.testAccuracy, ...(probe.rawPixels ? { rawPixels: probe.rawPixels.testAccuracy } : {}) } }
      : {}),
    ...(finetune?.final?.testAccuracy !== undefined ? { finetune: { testAccuracy: finetune.final.testAccuracy } } : {}),
    notes,
  };
}
