/**
 * scale-out — one run, two engines: darl trains the first steps, the PyTorch twin (python/darl_torch) continues the
 * same run directory under `torchrun` (DDP; gloo on CPU, nccl on GPUs), and darl takes it back to finish, probe and
 * sample. The commands it runs are the ones of the README's "Outgrowing one machine".
 *
 *   pnpm --filter @darl/example-scale-out start                 full mode
 *   pnpm --filter @darl/example-scale-out small                 small mode (CI)
 *   options: --nproc N (torchrun processes, default 2)   --python PATH (default /usr/bin/python3 or python3)
 *            --backend NAME   --out DIR
 *
 * Needs Python 3 with torch ≥ 1.13 and numpy (Debian: apt-get install python3-torch python3-numpy).
 * Backend: `useBackend('auto')` → wasm on a plain install; `--backend` takes any name in
 *   `BACKEND_CHOICES` (`--backend webgpu` for a GPU).
 * Expected on 2 cores (AMD Zen 4, wasm + torch 1.13 CPU, measured 2026-12-01):
 *   full  — ~15 min under a load average of 10–18 (darl ~15 img/s, PyTorch 2 processes ~50 img/s): the
 *           `digits-mse` model (width 128, depth 4), 20 steps in darl, 170 in PyTorch, 10 in darl: loss 2.946 (step 1)
 *           → 0.314 (step 20, darl) → 0.133 (step 190, PyTorch) → 0.126 (step 200, darl), held-out 0.133 — the
 *           numbers of an all-darl digits-mse run (0.126 / 0.133); best probe 72.3 % (layer 4, mean pooling, causal,
 *           4000/1000 images) vs 88.8 % raw pixels.
 *   small — ~40 s: tiny model, 4 + 4 + 1 steps; the loss falls, the probe beats chance, samples are finite.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, BACKEND_CHOICES, checkOneOf } from '@darl/tensor-backend';
import { generate, RUN_PRESETS } from '@darl/darl';
import { loadRun, pretrain, probeRun, writeReport } from '@darl/darl/node';

process.setUncaughtExceptionCaptureCallback((err) => {
  console.error(`scale-out: FAILED — ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a, i) => i > 0 || a !== '--'),
  options: {
    small: { type: 'boolean', default: false },
    nproc: { type: 'string', default: '2' },
    python: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string' },
  },
});
const small = args.small;
const here = dirname(fileURLToPath(import.meta.url));
const twin = resolve(here, '../../../python/darl_torch');
const python = args.python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const torchrun = existsSync(join(dirname(python), 'torchrun')) ? join(dirname(python), 'torchrun') : 'torchrun';
const out = resolve(args.out ?? join(here, '..', 'runs', small ? 'small' : 'full'));
if (spawnSync(python, ['-c', 'import torch, numpy']).status !== 0) {
  const why = `${python} cannot import torch and numpy (Debian: apt-get install python3-torch python3-numpy; or pass --python PATH)`;
  if (process.env.CI) throw new Error(why);
  console.log(`scale-out: skipped — ${why}.`);
  process.exit(0);
}
checkOneOf('scale-out', '--backend', args.backend, BACKEND_CHOICES);
const backend = await useBackend(args.backend);
console.log(`scale-out (${small ? 'small' : 'full'}): backend ${backend.name}, run directory ${out}`);

const [inDarl, inTorch, total] = small ? [4, 8, 9] : [20, 190, 200];
const run = small
  ? { model: { backbone: { preset: 'tiny' as const }, patchSize: 7 }, train: { steps: total, batchSize: 16, warmupSteps: 2, logEvery: 1, evalImages: 64, ema: 0.9 } }
  : { ...RUN_PRESETS['digits-mse'], train: { ...RUN_PRESETS['digits-mse'].train, steps: total, sampleEvery: 0, ema: 0.99 } };

// 1. Start in darl.
await rm(out, { recursive: true, force: true });
await pretrain({ run, data: 'mnist', out, stopAt: inDarl, progress: 'lines' });

// 2. Continue in PyTorch: torchrun --nproc_per_node=N -m darl_torch.train RUN_DIR --stop-at STEP.
// (--redirects/--tee work around Debian's torch 1.13 under Python 3.11, whose torchrun defaults no longer parse.)
const cmd = [torchrun, '--standalone', `--nproc_per_node=${args.nproc}`, '--redirects', '2', '--tee', '2', '-m', 'darl_torch.train', out, '--stop-at', String(inTorch)];
console.log(`scale-out: ${cmd.join(' ')}`);
const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env: { ...process.env, PYTHONPATH: twin, OMP_NUM_THREADS: '1' } });
if (r.status !== 0) throw new Error(`torchrun exited ${r.status ?? r.signal}; is python3-torch installed? (apt-get install python3-torch python3-numpy)`);

// 3. Come back: darl resumes to the end of the schedule, then probes and samples.
const done = await pretrain({ out, resume: true, progress: 'lines' });
const losses = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { step?: number; loss?: number; event?: string })
  .filter((m) => m.event === undefined && m.loss !== undefined);
const first = losses[0]!.loss!;
const handOver = losses.find((m) => m.step === inTorch)!.loss!;
console.log(`scale-out: loss ${first.toFixed(4)} (step 1, darl) → ${handOver.toFixed(4)} (step ${inTorch}, PyTorch) → ${done.finalLoss.toFixed(4)} (step ${total}, darl); held-out ${done.evalLoss?.toFixed(4)}`);
const probe = await probeRun({ run: out, maxTrain: small ? 400 : 4000, maxTest: small ? 200 : 1000, probeSteps: small ? 60 : 300, poolings: ['mean'], attentions: ['causal'] });
console.log(`scale-out: best probe ${(probe.json.best.testAccuracy * 100).toFixed(1)} % (layer ${probe.json.best.layer}); raw pixels ${((probe.json.rawPixels?.testAccuracy ?? 0) * 100).toFixed(1)} %`);
const loaded = await loadRun(out);
const samples = generate(loaded.model, loaded.params, { n: 4, seed: 0 });
const finite = Number.isFinite(tf.sum(samples).dataSync()[0]!);
samples.dispose();
loaded.dispose();
const report = await writeReport(out, { title: `scale-out (${small ? 'small' : 'full'})` });
console.log(`scale-out: report ${report}`);
if (!(done.finalLoss < first) || !(handOver < first)) throw new Error(`the loss did not fall across the hand-overs (${first} → ${handOver} → ${done.finalLoss})`);
if (!(probe.json.best.testAccuracy > 0.2)) throw new Error(`the probe is at chance (${probe.json.best.testAccuracy})`);
if (!finite) throw new Error('samples are not finite');
