/**
 * ablations — the paper's ablations at a scale two CPU cores can run: position encoding (2D RoPE / 1D RoPE /
 * learned absolute), objective (MSE / diffusion) and the diffusion noise-level distribution (Beta(0.03, 1) ≈ pure
 * noise ≈ MSE, Beta(1, 1) = uniform γ, the cosine schedule = Beta(½, ½)). Each setting is a short pretraining run on
 * the embedded digits followed by a linear probe; the recipe prints one table of best probe accuracy per setting and
 * writes it as JSON (`<out>/ablations.json`). Every setting's run directory has its own report.html.
 *
 *   pnpm --filter @darl/example-ablations start     full mode
 *   pnpm --filter @darl/example-ablations small     small mode (CI; tiny model, a few steps per setting)
 *   options: --backend NAME   --out DIR   --only name1,name2   --steps N
 *
 * Backend: `useBackend('auto')` → wasm on a plain install.
 * Expected on 2 cores (AMD Zen 4, wasm, measured 2026-11-27; see reference.json):
 *   full  — 494 s wall (6 settings × 60 steps × 32 images, ~80 s each with its probe); best probe per setting
 *           (2000 train / 1000 test images): mse-rope2d 60.9 %, mse-rope1d 66.7 %, mse-learned 61.8 %,
 *           diffusion Beta(0.03, 1) 60.3 %, Beta(1, 1) 60.1 %, cosine 60.7 %; raw pixels 86.9 %. (Diffusion losses
 *           under different noise-level distributions are not comparable with each other or with MSE.)
 *   small — 25–51 s: 6 settings × 12 steps of the tiny model; every probe 32–38 % vs ~68 % for raw pixels.
 * Runs this short differ by a few points from seed to seed: read the table as "which settings are in the same
 * league", not as a ranking; the paper's findings (2D RoPE ≥ learned, diffusion with a high-noise Beta ≥ MSE) need
 * far longer training to show reliably.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { disposeTree, useBackend, type BackendName } from '@darl/tensor-backend';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import { paramTree, RUN_PRESETS, type DarlConfigInput, type RunConfigInput } from '@darl/darl';
import { pretrain, probeRun, readRunData, writeReport, type ReferenceRun } from '@darl/darl/node';

/** A noise-level distribution as the run config accepts it. */
type NoiseLevelConfig = NonNullable<NonNullable<DarlConfigInput['diffusion']>['noiseLevels']>;

// Errors print as a message and a stack of this recipe's sources (tfjs's wasm module would otherwise rethrow them
// from its own minified file), and exit non-zero.
process.setUncaughtExceptionCaptureCallback((err) => {
  console.error(`ablations: FAILED — ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a, i) => i > 0 || a !== '--'), // `pnpm start -- --flag` passes the `--` on
  options: {
    small: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string' },
    only: { type: 'string' },
    steps: { type: 'string' },
  },
});
const small = args.small;
const mode = small ? 'small' : 'full';

/** One ablation setting: a name and what it changes in the model config. */
interface Setting {
  readonly name: string;
  readonly position: 'rope2d' | 'rope1d' | 'learned';
  readonly objective: 'mse' | 'diffusion';
  readonly noise?: NoiseLevelConfig;
}

const SETTINGS: readonly Setting[] = [
  { name: 'mse-rope2d', position: 'rope2d', objective: 'mse' },
  { name: 'mse-rope1d', position: 'rope1d', objective: 'mse' },
  { name: 'mse-learned', position: 'learned', objective: 'mse' },
  { name: 'diffusion-beta(0.03,1)', position: 'rope2d', objective: 'diffusion', noise: { kind: 'beta', a: 0.03, b: 1 } },
  { name: 'diffusion-beta(1,1)', position: 'rope2d', objective: 'diffusion', noise: { kind: 'beta', a: 1, b: 1 } },
  { name: 'diffusion-cosine', position: 'rope2d', objective: 'diffusion', noise: { kind: 'schedule', schedule: 'cosine' } },
];

const only = args.only?.split(',').map((s) => s.trim());
if (only) {
  const unknown = only.filter((n) => !SETTINGS.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`ablations: unknown setting(s) ${unknown.join(', ')}; the settings are ${SETTINGS.map((s) => s.name).join(', ')}.`);
    process.exit(2);
  }
}
const chosen = only ? SETTINGS.filter((s) => only.includes(s.name)) : SETTINGS;

// Full mode: the digits-mse model (width 128, depth 4, patch 4); small mode: the tiny model (width 32, depth 2, patch 7).
const steps = args.steps ? Number(args.steps) : small ? 12 : 60;
function runConfig(s: Setting): RunConfigInput {
  const base = small ? RUN_PRESETS.tiny : RUN_PRESETS['digits-mse'];
  const model: DarlConfigInput = {
    ...base.model,
    position: s.position,
    objective: s.objective,
    ...(s.objective === 'diffusion'
      ? { diffusion: { noiseLevels: s.noise!, decoder: { kind: 'mlp', depth: 2, width: small ? 64 : 128 }, batchMultiplier: 2, sampleSteps: small ? 3 : 10 } }
      : {}),
  };
  return {
    model,
    train: small
      ? { ...base.train, steps, batchSize: 16, lr: 3e-3, warmupSteps: 2, logEvery: 2, sampleEvery: 0, evalImages: 0, seed: 0 }
      : { ...base.train, steps, batchSize: 32, warmupSteps: 10, logEvery: 5, sampleEvery: 0, evalImages: 256, seed: 0 },
  };
}

const backend = await useBackend(args.backend as BackendName | 'auto');
const out = resolve(args.out ?? join('runs', `ablations-${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
await mkdir(out, { recursive: true });
console.log(`ablations (${mode}): backend ${backend.name}, ${chosen.length} settings × ${steps} steps, runs under ${out}`);

// Reference numbers of a full run, per setting (reference.json = { name, settings: { [setting]: ReferenceRun } }).
const referencePath = fileURLToPath(new URL('../reference.json', import.meta.url));
const references: Record<string, ReferenceRun> =
  !small && existsSync(referencePath) ? ((JSON.parse(await readFile(referencePath, 'utf8')) as { settings: Record<string, ReferenceRun> }).settings ?? {}) : {};

interface Row {
  readonly setting: string;
  readonly position: string;
  readonly objective: string;
  readonly noise: string;
  readonly firstLoss: number;
  readonly finalLoss: number;
  readonly evalLoss: number | null;
  readonly probe: number;
  readonly probeCell: string;
  readonly rawPixels: number | null;
  readonly seconds: number;
  readonly runDir: string;
}
const rows: Row[] = [];
const started = performance.now();
for (const s of chosen) {
  const t0 = performance.now();
  const dir = join(out, s.name.replace(/[^a-z0-9.-]+/gi, '_'));
  console.log(`\n— ${s.name}`);
  const trained = await pretrain({ run: runConfig(s), data: 'mnist', out: dir, backend, progress: 'none' });
  disposeTree(paramTree(trained.params));
  const probe = await probeRun({
    run: dir,
    maxTrain: small ? 200 : 2000,
    maxTest: small ? 100 : 1000,
    poolings: ['mean', 'last'],
    attentions: ['causal'],
    ...(small ? { layers: [1, 2] } : { layers: [2, 3, 4] }),
    backend: backend.name,
  });
  const reference = references[s.name];
  await writeReport(dir, { title: `ablation ${s.name} (${mode})`, ...(reference ? { reference } : {}) });
  const b = probe.json.best;
  const row: Row = {
    setting: s.name,
    position: s.position,
    objective: s.objective,
    noise: s.noise ? (s.noise.kind === 'beta' ? `Beta(${s.noise.a}, ${s.noise.b})` : `${s.noise.schedule} schedule`) : '—',
    firstLoss: (await readRunData(dir)).metrics.find((r) => r.loss !== undefined)?.loss ?? Number.NaN,
    finalLoss: trained.finalLoss,
    evalLoss: trained.evalLoss,
    probe: b.testAccuracy,
    probeCell: `layer ${b.layer}, ${b.pooling}`,
    rawPixels: probe.json.rawPixels?.testAccuracy ?? null,
    seconds: (performance.now() - t0) / 1000,
    runDir: dir,
  };
  rows.push(row);
  console.log(`  loss ${row.firstLoss.toFixed(3)} → ${row.finalLoss.toFixed(3)}, probe ${(100 * row.probe).toFixed(1)} % (${row.probeCell}), ${row.seconds.toFixed(0)} s`);
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`\nablations (${mode}): best linear-probe test accuracy per setting (${steps} steps each, ${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
console.log(`${pad('setting', 24)} ${pad('position', 8)} ${pad('objective', 9)} ${pad('noise levels', 16)} ${pad('final loss', 10)} ${pad('probe', 7)} best cell`);
for (const r of rows) {
  console.log(
    `${pad(r.setting, 24)} ${pad(r.position, 8)} ${pad(r.objective, 9)} ${pad(r.noise, 16)} ${pad(r.finalLoss.toFixed(4), 10)} ${pad(`${(100 * r.probe).toFixed(1)} %`, 7)} ${r.probeCell}`,
  );
}
const pixels = rows.find((r) => r.rawPixels !== null)?.rawPixels;
if (pixels !== undefined && pixels !== null) console.log(`${pad('raw pixels (baseline)', 24)} ${' '.repeat(55)}${(100 * pixels).toFixed(1)} %`);
const jsonPath = join(out, 'ablations.json');
await writeFileAtomic(jsonPath, `${JSON.stringify({ mode, steps, backend: backend.name, rows }, null, 2)}\n`);
console.log(`\ntable as JSON: ${jsonPath}`);

// Loud failure on nonsense: every setting's loss must fall and stay finite, and its probe beat chance (10 %).
const failures = rows.flatMap((r) => [
  ...(Number.isFinite(r.finalLoss) && r.finalLoss < 0.9 * r.firstLoss ? [] : [`${r.setting}: loss ${r.firstLoss} → ${r.finalLoss} did not fall`]),
  ...(r.probe >= (small ? 0.2 : 0.5) ? [] : [`${r.setting}: probe accuracy ${r.probe} is too low`]),
]);
if (failures.length) {
  console.error(`ablations: FAILED — ${failures.join('; ')}`);
  process.exit(1);
}

