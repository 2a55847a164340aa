/**
 * ablations — a paired replication of the DARL paper's claims on Fashion-MNIST at a scale two CPU cores can run.
 *
 * Protocol (full mode):
 * - every setting (src/settings.ts) is pretrained on the 60 000 Fashion-MNIST training images for the same number of
 *   steps (an equal step budget, not wall clock; wall time is recorded beside each run), with seeds 0 … N−1;
 * - common random numbers: for one seed, every setting shares the data order, the initial weights it can share (same
 *   path and shape ⇒ same values: rope2d, rope1d and none are identical at init, learned adds its table; one patch
 *   size shares embedding, SOS token and backbone) and the noise draws (diffusion forks γ and ε from the run's stream,
 *   so settings that differ in noise levels share ε); the recipe checks the initial weights before training, and the
 *   diffusion settings' first-step losses (bit-identical for one patch size and seed) after;
 * - one fixed probe for every run: last block, mean pooling, causal readout, L-BFGS logistic regression with one L2
 *   fixed in advance, trained on all 60 000 training images and scored on all 10 000 test images; the two patch-4
 *   runs of the "longer training" claim are also probed at their half-way checkpoint;
 * - each claim's verdict comes from the per-seed paired differences (`comparePairedClaim` of @darl/eval): mean ± its
 *   standard error over seeds; reproduced / contradicted beyond 2 standard errors, otherwise not resolved.
 * Claims: 2D RoPE beats 1D RoPE, learned positions and none (MSE); high-noise Beta(1, 2) beats Beta(1, 1) and the
 * cosine schedule (diffusion); diffusion beats MSE at patch 4 and at patch 7, and gains more at patch 7; longer
 * training helps diffusion more than MSE.
 *
 *   pnpm --filter @darl/example-ablations start   full mode: 9 settings × 4 seeds × 500 steps of 64 (digits-mse model
 *                                                 at width 64, depth 4) on 2 workers; it prints its time estimate
 *                                                 first: 38 min on an idle 2-core machine, from single-core costs
 *                                                 measured 2026-12-08 (README.md, src/estimate.ts)
 *   pnpm --filter @darl/example-ablations small   small mode (CI): embedded digits, tiny model, 10 steps, 2 seeds, the
 *                                                 settings of two claims; checks the pairing, decides nothing
 *                                                 (37 s wall, 22 s CPU, at load 11 on 2026-12-08)
 *   options: --seeds N  --steps N  --only a,b  --workers N  --out DIR  --backend NAME  --data-dir DIR
 *
 * Output: both tables on stdout, `<out>/ablations.json` (settings, claims, runs) and `<out>/ablations.html` (the
 * tables, with links to every run's own report.html). See README.md for measured timings and the results.
 * Measured 2026-12-08 (native, seeds 0–3, 2 462 s wall beside other work at lower priority, load 5–12): four claims
 * reproduced far beyond 2 standard errors (2D RoPE vs learned +2.2 ± 0.2 and vs none +2.8 ± 0.3 points; diffusion vs
 * MSE +3.2 ± 0.3 at patch 4, +3.5 ± 0.4 at patch 7); 2D vs 1D RoPE +0.7 ± 0.4 at 4 seeds, reproduced at 8 seeds
 * (+1.07 ± 0.24, `--seeds 8 --only mse-rope2d,mse-rope1d`, 1 150 s); the noise-level, patch-interaction and
 * training-length claims (|effect| ≤ 0.3) not resolved.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { useBackend, BACKEND_CHOICES, checkOneOf } from '@darl/tensor-backend';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import { subsetDataset } from '@darl/patch-data';
import { openDataset } from '@darl/patch-data/node';
import { checkInitialPairing } from './pairing.js';
import { runOne, PROBE_L2, type RunData, type RunRow } from './run-one.js';
import { BATCH_SIZE, DEFAULT_STEPS, SETTINGS, SMALL_SETTINGS, type Setting } from './settings.js';
import { claimRows, reportHtml, settingRows, tableLines } from './summary.js';
import { parseWorkerSlot, runWorkers, workerFile } from './workers.js';
import { estimateSeconds } from './estimate.js';

// Errors print as a message and a stack of this recipe's sources, and exit non-zero.
process.setUncaughtExceptionCaptureCallback((err) => {
  console.error(`ablations: FAILED — ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'), // `pnpm small -- --flag` passes the `--` on (after --small)
  options: {
    small: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string' },
    only: { type: 'string' },
    seeds: { type: 'string' },
    steps: { type: 'string' },
    workers: { type: 'string' },
    worker: { type: 'string' },
    'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
  },
});
const small = args.small;
const mode = small ? 'small' : 'full';
const fail = (message: string): never => {
  console.error(`ablations: ${message}`);
  process.exit(2);
};

const only = args.only?.split(',').map((s) => s.trim());
const unknown = (only ?? []).filter((n) => !SETTINGS.some((s) => s.name === n));
if (unknown.length) fail(`unknown setting(s) ${unknown.join(', ')}; the settings are ${SETTINGS.map((s) => s.name).join(', ')}.`);
const chosen: readonly Setting[] = only ? SETTINGS.filter((s) => only.includes(s.name)) : small ? SETTINGS.filter((s) => SMALL_SETTINGS.includes(s.name)) : SETTINGS;
const seeds = args.seeds ? Number(args.seeds) : small ? 2 : 4;
const steps = args.steps ? Number(args.steps) : DEFAULT_STEPS[mode];
const workers = args.workers ? Number(args.workers) : small ? 1 : 2;
for (const [name, v] of [['--seeds', seeds], ['--steps', steps], ['--workers', workers]] as const) {
  if (!(Number.isInteger(v) && v >= 1)) fail(`${name} must be a positive integer; got ${v}.`);
}
const slot = args.worker ? parseWorkerSlot(args.worker) : null;
const dataDir = resolve(args['data-dir']);
if (!small && !existsSync(dataDir)) {
  fail(`${dataDir} does not exist. Install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) or pass --data-dir DIR with the four IDX files.`);
}
const backendChoice = args.backend as (typeof BACKEND_CHOICES)[number]; // checked on the next line
checkOneOf('ablations', '--backend', backendChoice, BACKEND_CHOICES);
const out = resolve(args.out ?? join('runs', `ablations-${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
await mkdir(out, { recursive: true });

/** The (setting, seed) list in seed-major order, so that the workers finish whole seeds at about the same time. */
const jobs = Array.from({ length: seeds }, (_, seed) => chosen.map((s) => ({ s, seed }))).flat();

/** Runs this process's share of the jobs (all of them without `--worker`), appending each row to `file` if given. */
async function runJobs(mine: typeof jobs, file: string | null): Promise<RunRow[]> {
  const backend = await useBackend(backendChoice);
  const spec = small ? 'mnist' : `idx:${dataDir}`;
  const [train, test] = await Promise.all([openDataset(spec, { split: 'train' }), openDataset(spec, { split: 'test' })]);
  const data: RunData = small
    ? { spec, train, test, probeTrain: subsetDataset(train, 200, 0), probeTest: subsetDataset(test, 100, 1) }
    : { spec, train, test, probeTrain: train, probeTest: test };
  const rows: RunRow[] = [];
  for (const { s, seed } of mine) {
    const row = await runOne(s, seed, { small, steps, out, data, backend });
    rows.push(row);
    if (file) await appendFile(file, `${JSON.stringify(row)}\n`);
    const probes = Object.entries(row.probe).map(([k, v]) => `${k} ${(100 * v).toFixed(2)} %`).join(', ');
    console.log(
      `  ${s.name} seed ${seed}${slot ? ` (worker ${slot.index})` : ''}: ${row.steps} steps in ${row.trainSeconds.toFixed(0)} s (${row.trainImagesPerSecond.toFixed(0)} img/s), ` +
        `loss ${row.firstLoss.toFixed(4)} → ${row.finalLoss.toFixed(4)}; probe ${probes} in ${row.probeSeconds.toFixed(0)} s (features ${row.extractImagesPerSecond.toFixed(0)} img/s); ` +
        `CPU ${row.trainCpuSeconds.toFixed(1)} s train (${((row.steps * BATCH_SIZE[mode]) / row.trainCpuSeconds).toFixed(0)} img per CPU s), ${row.probeCpuSeconds.toFixed(1)} s probes`,
    );
  }
  return rows;
}

if (slot) {
  // A worker: its share of the run list, rows to its file; the parent prints the tables.
  await writeFile(workerFile(out, slot.index), '');
  await runJobs(jobs.filter((_, j) => j % slot.count === slot.index), workerFile(out, slot.index));
  process.exit(0);
}

const started = performance.now();
const estimate = small ? null : estimateSeconds({ settings: chosen, seeds, steps, workers, batchSize: BATCH_SIZE[mode] });
console.log(
  `ablations (${mode}): ${chosen.length} settings × ${seeds} seeds × ${steps} steps of ${BATCH_SIZE[mode]}, ${workers} worker(s), data ${small ? 'embedded digits' : dataDir}, runs under ${out}` +
    (estimate === null ? '' : `\n  estimate on an idle 2-core machine: ${(estimate / 60).toFixed(0)} min (single-core costs measured in src/estimate.ts)`),
);
// The pairing check runs before any training, on seed 0 (every seed goes through the same code).
const pairing = await (async () => {
  await useBackend(backendChoice);
  return checkInitialPairing(chosen, 0, { small, steps });
})();
console.log(`  pairing at init (seed 0): ${pairing.length} pairs checked, every shared tensor identical`);

// Every worker gets the same resolved options; each takes every `workers`-th job of the list.
const workerArgs = [
  ...(small ? ['--small'] : []),
  ...['--backend', args.backend, '--seeds', String(seeds), '--steps', String(steps), '--data-dir', dataDir],
  ...(only ? ['--only', only.join(',')] : []),
];
const runs = workers > 1 ? await runWorkers(workers, workerArgs, out) : await runJobs(jobs, null);
runs.sort((a, b) => a.seed - b.seed || chosen.findIndex((s) => s.name === a.setting) - chosen.findIndex((s) => s.name === b.setting));

/**
 * The first-step pairing check on the runs themselves: the diffusion settings of one patch size differ only in their
 * noise-level distribution, and at step 1 the decoder's output layer is still zero (its init) with the x0 prediction
 * target, so the loss is the mean square of the clean patches of the first batch — bit-identical across them iff they
 * saw the same first batch (same data order, same image pipeline) for the same seed. Any difference is a broken pairing.
 */
function firstStepPairing(all: readonly RunRow[]): string[] {
  const groups = new Map<string, RunRow[]>();
  for (const r of all) {
    const s = chosen.find((c) => c.name === r.setting)!;
    if (s.objective !== 'diffusion') continue;
    const key = `patch ${s.patchSize}, seed ${r.seed}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups].flatMap(([key, rs]) =>
    rs.some((r) => r.firstLossStep !== 1 || !Object.is(r.firstLoss, rs[0]!.firstLoss))
      ? [`pairing broken (${key}): first-step losses ${rs.map((r) => `${r.setting} ${r.firstLoss} at step ${r.firstLossStep}`).join(', ')} differ`]
      : [],
  );
}
const firstStep = firstStepPairing(runs);
if (!firstStep.length) console.log('  pairing at step 1: every diffusion setting of one patch size and seed has the same first-step loss, bit for bit');

const rows = settingRows(chosen, runs);
const claims = claimRows(runs);
const seconds = (performance.now() - started) / 1000;
const header = [
  `${mode} mode, ${seeds} seed(s), ${steps} steps of ${BATCH_SIZE[mode]} per run, ${workers} worker(s); ${seconds.toFixed(0)} s wall in all${estimate === null ? '' : ` (estimate ${estimate.toFixed(0)} s)`}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end.`,
  `Probe: last block, mean pooling, causal readout, L-BFGS logistic regression with L2 ${PROBE_L2} fixed in advance; ${small ? '200 / 100 embedded digits' : 'all 60 000 / 10 000 Fashion-MNIST images'}.`,
  `Claims: per-seed paired differences, mean ± standard error over seeds; verdict beyond 2 standard errors.`,
];
console.log(`\n${header.join('\n')}\n`);
for (const line of tableLines(rows, claims)) console.log(line);
await writeFileAtomic(
  join(out, 'ablations.json'),
  `${JSON.stringify({ mode, seeds, steps, batchSize: BATCH_SIZE[mode], workers, probeL2: PROBE_L2, wallSeconds: seconds, estimateSeconds: estimate, pairing, settings: rows, claims, runs }, null, 2)}\n`,
);
await writeFileAtomic(join(out, 'ablations.html'), reportHtml(`ablations (${mode})`, header, rows, claims, runs, out));
console.log(`\ntables: ${join(out, 'ablations.json')} and ${join(out, 'ablations.html')}`);

// Loud failure on nonsense: every run must have finished its steps, its loss fallen and stayed finite, its probe beat chance.
const failures = runs.flatMap((r) => [
  ...(r.steps === steps ? [] : [`${r.setting} seed ${r.seed}: ${r.steps} steps, not ${steps}`]),
  ...(Number.isFinite(r.finalLoss) && r.finalLoss < 0.9 * r.firstLoss ? [] : [`${r.setting} seed ${r.seed}: loss ${r.firstLoss} → ${r.finalLoss} did not fall`]),
  ...(Object.values(r.probe).every((p) => p >= (small ? 0.15 : 0.5)) ? [] : [`${r.setting} seed ${r.seed}: probe accuracy ${JSON.stringify(r.probe)} is too low`]),
]);
if (runs.length !== jobs.length) failures.push(`${runs.length} runs finished of ${jobs.length}`);
failures.push(...firstStep);
if (failures.length) {
  console.error(`ablations: FAILED — ${failures.join('; ')}`);
  process.exit(1);
}
