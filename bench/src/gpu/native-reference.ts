/**
 * darl native's ViT-S training step on this machine's CPU cores, the baseline of the GPU speed-up target (issue:
 * darl on the GPU ≥ 20× darl native on 2 cores). Run once, a few steps, on the 2-core reference machine; writes
 * `bench/gpu/reference-cpu.json` with the load average around the run (a shared machine inflates the time).
 * The native backend computes in the wasm heap (at most 4 GiB), which cannot hold a batch of 256 ViT-S activations,
 * so the step runs at a smaller batch and the time is scaled to 256 images (the cost is linear in the batch here:
 * every matmul and the attention grow with B).
 *
 *   node --conditions=@darl/source --import tsx src/gpu/native-reference.ts [--steps 2] [--batch 32]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useBackend } from '@darl/tensor-backend';
import { trainingFlops } from '../reference-model.js';
import { loadAverageNow, machineInfo } from '../machine.js';
import { VIT_S_CONFIG } from './gpu-configs.js';
import { timeAsync } from './gpu-timing.js';
import { benchTrainer } from './train-step.js';

async function main(): Promise<void> {
  const flag = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const steps = flag('--steps', 2);
  const batch = flag('--batch', 32);
  const info = await useBackend('native');
  const machine = machineInfo();
  const trainer = benchTrainer({ ...VIT_S_CONFIG, batch }, 0);
  await trainer.step(); // warm-up
  const cpu0 = process.cpuUsage();
  const t = await timeAsync(async () => void (await trainer.step()), { reps: steps, warmup: 0, budgetSeconds: 3600 });
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / t.reps;
  const threads = info.native?.threads ?? 1;
  trainer.dispose();
  const record = {
    date: new Date().toISOString(),
    what:
      `darl native, ViT-S training step (bench/src/gpu/train-step.ts), median of the timed steps after 1 warm-up, ` +
      `measured at batch ${batch} (the wasm heap cannot hold batch ${VIT_S_CONFIG.batch}) and scaled to ${VIT_S_CONFIG.batch} images`,
    backend: { name: info.name, native: info.native ?? null },
    model: VIT_S_CONFIG,
    measured: { batch, ms: t.ms, reps: t.reps, cpuMs },
    train_vit_s: { ms: (t.ms * VIT_S_CONFIG.batch) / batch, reps: t.reps, gflop: trainingFlops(VIT_S_CONFIG) / 1e9 },
    // Process CPU time ÷ the kernels' threads: the wall time this step would take on the 2 cores alone (a load
    // average above 2 inflates `train_vit_s.ms`, not this).
    train_vit_s_idle_estimate: { ms: (cpuMs / threads) * (VIT_S_CONFIG.batch / batch), from: `process CPU time / ${threads} threads` },
    machine: { ...machine, loadAverage: { start: machine.loadAverage.start, end: loadAverageNow() } },
  };
  const file = fileURLToPath(new URL('../../gpu/reference-cpu.json', import.meta.url));
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`${(t.ms / 1000).toFixed(1)} s per ViT-S step of ${batch} images on ${info.name} (${t.reps} timed); wrote ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
