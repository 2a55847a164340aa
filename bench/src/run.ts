/**
 * `pnpm bench`: runs every system in its own process, one after another, measures the machine's fp32 peak in the
 * same run, and prints a table of the figures with the ratio of darl's default backend (`auto`: native where it
 * built) to PyTorch's fastest configuration per figure (named in the table), and to PyTorch's fastest 1-thread and
 * 2-thread configuration; writes everything to `bench-results/latest.json` (git-ignored).
 *
 *   pnpm bench                 tfjs native, tfjs wasm + overrides, tfjs wasm as shipped, the peak, PyTorch in every
 *                              configuration (each OpenBLAS build × 1 and 2 threads × without and with malloc settings)
 *   pnpm bench --quick         a smoke run of every code path: default backend, wasm + overrides, short peak runs,
 *                              every PyTorch configuration, 1–2 repetitions per figure
 *   pnpm bench --with-cpu      also the tfjs cpu backend (minutes: ~180× slower than PyTorch)
 *   pnpm bench --no-python     skip the PyTorch reference (and its SGEMM)
 *   pnpm bench --gpu [--smoke] the GPU benchmark instead (src/gpu/gpu-run.ts)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCE_CONFIG, numPatches, trainingFlops } from './reference-model.js';
import { loadAverageNow, machineInfo } from './machine.js';
import { measurePeak } from './measure-peak.js';
import { measuredPeak } from './peak.js';
import { DEBIAN_BLAS_BUILDS, peerConfigs, type BlasBuild, type PeerConfig } from './peer-configs.js';
import { figures, fmt, mainTable, peakLines, peerTable, type SystemResult } from './report.js';

const PYTHON = '/usr/bin/python3';

type Outcome = SystemResult | { system: string; error: string };

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');

function lastLines(s: string): string {
  return s.trim().split('\n').slice(-5).join('\n');
}

function runTfjs(args: string[]): Outcome {
  const label = `tfjs ${args.join(' ')}`;
  process.stderr.write(`running ${label} …\n`);
  const r = spawnSync(process.execPath, ['--conditions=@darl/source', '--import', 'tsx', 'src/tfjs-system.ts', ...args, ...(quick ? ['--quick'] : [])], {
    cwd: benchDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (r.status !== 0 || !line) return { system: label, error: lastLines(r.stderr || r.stdout) };
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as SystemResult;
}

/** Debian's OpenBLAS builds present on this machine. */
function blasBuildsFound(): BlasBuild[] {
  return DEBIAN_BLAS_BUILDS.filter((b) => b.dir !== undefined && existsSync(join(b.dir, 'libblas.so.3')));
}

function runPytorch(cfg: PeerConfig): Outcome {
  const system = `PyTorch (${cfg.name})`;
  process.stderr.write(`running ${system} …\n`);
  const r = spawnSync(PYTHON, ['reference/darl_reference.py', '--threads', String(cfg.threads), ...(quick ? ['--quick'] : [])], {
    cwd: benchDir,
    encoding: 'utf8',
    env: { ...process.env, ...cfg.env },
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) return { system, error: lastLines(r.stderr || r.stdout) };
  return { ...(JSON.parse(line) as SystemResult), system, config: cfg.name, threads: cfg.threads, malloc: cfg.malloc };
}

function pytorchAvailable(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `skipped: ${PYTHON} with torch is not available (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()})`;
  }
  return undefined;
}

function isOk(r: Outcome): r is SystemResult {
  return !('error' in r);
}

/** Runs everything, one process at a time: the tfjs systems, the peak, then PyTorch in every configuration. */
function measureAll(): { systems: Outcome[]; torch: Outcome[]; peak: ReturnType<typeof measurePeak> } {
  const systems: Outcome[] = [runTfjs(['--backend', 'auto']), runTfjs(['--backend', 'wasm'])];
  if (!quick) systems.push(runTfjs(['--backend', 'wasm', '--no-overrides']));
  if (argv.includes('--with-cpu')) systems.push(runTfjs(['--backend', 'cpu']));
  const noPython = argv.includes('--no-python') ? 'skipped: --no-python' : pytorchAvailable();
  const builds = blasBuildsFound();
  for (const b of DEBIAN_BLAS_BUILDS) {
    if (!builds.includes(b)) process.stderr.write(`${b.name}: not installed (no ${String(b.dir)}/libblas.so.3), so not tried\n`);
  }
  const peak = measurePeak({ benchDir, outDir: join(benchDir, 'bench-results'), builds, quick, ...(noPython ? { pythonSkipReason: noPython } : { python: PYTHON }) });
  const torch = noPython ? [{ system: 'PyTorch', error: noPython }] : peerConfigs(builds).map(runPytorch);
  return { systems: [...systems, ...torch], torch, peak };
}

function main(): void {
  const machine = machineInfo();
  const { systems, torch, peak } = measureAll();
  const loadEnd = loadAverageNow();
  const flops = trainingFlops(REFERENCE_CONFIG);
  const trainerFlops = trainingFlops(REFERENCE_CONFIG, numPatches(REFERENCE_CONFIG)); // darlLoss: SOS + N − 1 patches
  const ok = systems.filter(isOk);
  const tfjs = ok.filter((r) => !r.system.startsWith('PyTorch'));
  const torchOk = torch.filter(isOk);
  const peak2 = measuredPeak(peak.measurements, 2);
  const sgemm2 = measuredPeak(peak.measurements, 2, 'sgemm');
  const def = systems[0] && isOk(systems[0]) ? systems[0] : undefined;
  const { text, comparisons } = mainTable(tfjs, torchOk, def, figures({ flops, trainerFlops, batch: REFERENCE_CONFIG.batch, ...(peak2 ? { peak: peak2 } : {}), ...(sgemm2 ? { sgemmPeak: sgemm2 } : {}) }));
  console.log(text);
  for (const s of systems) if (!isOk(s)) console.log(`\n${s.system}: ${s.error}`);
  if (def) console.log(`\ndefault = ${def.system} (${String(def.backend)}${def.native ? `, ${JSON.stringify(def.native)}` : ''})`);
  for (const r of tfjs) if (r.sgemm_gflops !== undefined) console.log(`${r.system}: SGEMM ${r.sgemm_size}³ ${fmt(r.sgemm_gflops, 1)} GFLOP/s (tf.matMul, the backend's threads)`);
  if (torchOk.length) console.log(`\nPyTorch, every configuration (* = fastest per column):\n${peerTable(torchOk)}`);
  console.log(`\n${peakLines(peak.measurements, peak.errors, peak2, sgemm2)}`);
  console.log(
    `\n${machine.cpuModel}, ${machine.logicalCores} logical cores, load average ${fmt(machine.loadAverage.start, 1)} → ${fmt(loadEnd, 1)}` +
      `; training step = ${fmt(flops / 1e9, 2)} GFLOP (analytic; DarlTrainer's step ${fmt(trainerFlops / 1e9, 2)}: one token fewer)`,
  );
  if (machine.loadAverage.start > machine.logicalCores || loadEnd > machine.logicalCores) {
    console.log('warning: the machine was busy (load above its core count); wall times are inflated, ratios and the peak noisy.');
  }
  const out = {
    date: new Date().toISOString(),
    quick,
    machine: { ...machine, loadAverage: { start: machine.loadAverage.start, end: loadEnd } },
    model: { ...REFERENCE_CONFIG, tokens: numPatches(REFERENCE_CONFIG) + 1, trainingGflopPerStep: flops / 1e9, trainerGflopPerStep: trainerFlops / 1e9 },
    peak: { twoThreads: peak2 ?? null, sgemmTwoThreads: sgemm2 ?? null, measurements: peak.measurements, raw: peak.raw, errors: peak.errors },
    systems,
    comparisonsDefaultOverPytorch: comparisons,
  };
  const dir = join(benchDir, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${join(dir, 'latest.json')}`);
  if (!def) process.exitCode = 1;
}

// `--gpu`: the GPU benchmark (darl on webgpu against PyTorch on CUDA), src/gpu/gpu-run.ts.
if (argv.includes('--gpu')) await import('./gpu/gpu-run.js');
else main();
