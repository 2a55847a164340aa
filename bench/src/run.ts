/**
 * `pnpm bench`: runs every system in its own process, one after another, and prints a table of the figures with the
 * ratio of darl's default backend (`auto`: native where it built) to the fastest PyTorch configuration found, and to
 * PyTorch's best 1-thread and 2-thread configurations; writes everything to `bench-results/latest.json` (git-ignored).
 *
 *   pnpm bench                 tfjs native, tfjs wasm + overrides, tfjs wasm as shipped, PyTorch in every configuration
 *   pnpm bench --quick         a few-second smoke run: default backend and PyTorch, 2 training steps each
 *   pnpm bench --with-cpu      also the tfjs cpu backend (minutes: ~180× slower than PyTorch)
 *   pnpm bench --no-python     skip the PyTorch reference
 *   pnpm bench --gpu [--smoke] the GPU benchmark instead (src/gpu/gpu-run.ts)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCE_CONFIG, trainingFlops } from './reference-model.js';
import { loadAverageNow, machineInfo } from './machine.js';

/** Measured single-core-pair fp32 FMA peak of the reference machine (docs/DESIGN.md §3: 2 Zen 4 cores, AVX-512). */
const PEAK_GFLOPS = 230;
const PYTHON = '/usr/bin/python3';

interface SystemResult {
  system: string;
  train_ms: number;
  train_cpu_ms?: number;
  features_ms_per_256?: number;
  /** For PyTorch: the configuration (BLAS build, threads). */
  config?: string;
  threads?: number;
  gen_mse_ms: number;
  gen_diffusion_ms: number;
  data_ms_per_256: number;
  [key: string]: unknown;
}

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');

function runTfjs(args: string[]): SystemResult | { system: string; error: string } {
  const label = `tfjs ${args.join(' ')}`;
  process.stderr.write(`running ${label} …\n`);
  const r = spawnSync(process.execPath, ['--conditions=@darl/source', '--import', 'tsx', 'src/tfjs-system.ts', ...args, ...(quick ? ['--quick'] : [])], {
    cwd: benchDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (r.status !== 0 || !line) return { system: label, error: (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n') };
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as SystemResult;
}

/** PyTorch configurations to try: each OpenBLAS build found (selected with LD_LIBRARY_PATH) × 1 and 2 threads. */
function pytorchConfigs(): { name: string; env: Record<string, string>; threads: number }[] {
  const blasDirs: [string, string | undefined][] = [
    ['OpenMP OpenBLAS', '/usr/lib/x86_64-linux-gnu/openblas-openmp'],
    ['pthread OpenBLAS', '/usr/lib/x86_64-linux-gnu/openblas-pthread'],
  ];
  const found = blasDirs.filter(([, dir]) => dir !== undefined && existsSync(join(dir, 'libblas.so.3')));
  const variants: [string, string | undefined][] = found.length ? found : [['system BLAS', undefined]];
  const out: { name: string; env: Record<string, string>; threads: number }[] = [];
  for (const [blas, dir] of variants) {
    for (const threads of [1, 2]) {
      out.push({
        name: `${blas}, ${threads} thread${threads > 1 ? 's' : ''}`,
        threads,
        env: {
          ...(dir ? { LD_LIBRARY_PATH: dir } : {}),
          OMP_NUM_THREADS: String(threads),
          OPENBLAS_NUM_THREADS: String(threads),
        },
      });
    }
  }
  return out;
}

function runPytorch(cfg: { name: string; env: Record<string, string>; threads: number }): SystemResult | { system: string; error: string } {
  const system = `PyTorch (${cfg.name})`;
  process.stderr.write(`running ${system} …\n`);
  const r = spawnSync(PYTHON, ['reference/darl_reference.py', '--threads', String(cfg.threads), ...(quick ? ['--quick'] : [])], {
    cwd: benchDir,
    encoding: 'utf8',
    env: { ...process.env, ...cfg.env },
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) return { system, error: (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n') };
  return { ...(JSON.parse(line) as SystemResult), system, config: cfg.name, threads: cfg.threads };
}

function pytorchAvailable(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `skipped: ${PYTHON} with torch is not available (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()})`;
  }
  return undefined;
}

function isOk(r: SystemResult | { system: string; error: string }): r is SystemResult {
  return !('error' in r);
}

function fmt(v: number, digits = 0): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function main(): void {
  const machine = machineInfo();
  const systems: (SystemResult | { system: string; error: string })[] = [];
  systems.push(runTfjs(['--backend', 'auto']));
  systems.push(runTfjs(['--backend', 'wasm']));
  if (!quick) systems.push(runTfjs(['--backend', 'wasm', '--no-overrides']));
  if (argv.includes('--with-cpu')) systems.push(runTfjs(['--backend', 'cpu']));
  const noPython = argv.includes('--no-python') ? 'skipped: --no-python' : pytorchAvailable();
  const pys = noPython ? [{ system: 'pytorch', error: noPython }] : pytorchConfigs().map(runPytorch);
  systems.push(...pys);
  const loadEnd = loadAverageNow();

  const flops = trainingFlops(REFERENCE_CONFIG);
  const batch = REFERENCE_CONFIG.batch;
  const ok = systems.filter(isOk);
  const torchOk = pys.filter(isOk);
  const fastest = (rs: SystemResult[]): SystemResult | undefined => [...rs].sort((a, b) => a.train_ms - b.train_ms)[0];
  // The peer at its best: the fastest configuration per training step, and the fastest with 1 and with 2 threads.
  const refs: [string, SystemResult | undefined][] = [
    ['best', fastest(torchOk)],
    ['1 thread', fastest(torchOk.filter((r) => r.threads === 1))],
    ['2 threads', fastest(torchOk.filter((r) => r.threads === 2))],
  ];
  const rows: [string, (r: SystemResult) => number | undefined, number, boolean][] = [
    ['train ms/step', (r) => r.train_ms, 0, true],
    ['train CPU ms/step (all threads)', (r) => r.train_cpu_ms, 0, true],
    ['train images/s', (r) => (1000 * batch) / r.train_ms, 0, false],
    ['train GFLOP/s', (r) => flops / 1e9 / (r.train_ms / 1000), 1, false],
    [`train % of ${PEAK_GFLOPS} GFLOP/s peak`, (r) => (100 * flops) / 1e9 / (r.train_ms / 1000) / PEAK_GFLOPS, 1, false],
    ['generate 1 image, MSE (ms)', (r) => r.gen_mse_ms, 0, true],
    ['generate 1 image, diffusion 20 DDIM (ms)', (r) => r.gen_diffusion_ms, 0, true],
    ['features (backbone fwd), images/s', (r) => (r.features_ms_per_256 === undefined ? undefined : (256 * 1000) / r.features_ms_per_256), 0, false],
    ['data: patchify+normalise, images/s', (r) => (256 * 1000) / r.data_ms_per_256, 0, false],
  ];
  const def = ok[0] && !ok[0].system.startsWith('PyTorch') ? ok[0] : undefined;
  const shownRefs = refs.filter((x): x is [string, SystemResult] => x[1] !== undefined);
  const header = ['figure', ...ok.map((r) => r.system), ...shownRefs.map(([k]) => `default ÷ PyTorch ${k}`)];
  const table: string[][] = [header];
  const ratios: Record<string, Record<string, number>> = {};
  for (const [name, get, digits, timeLike] of rows) {
    const cells = ok.map((r) => {
      const v = get(r);
      return v === undefined || !Number.isFinite(v) ? '—' : fmt(v, digits);
    });
    const row = [name, ...cells];
    for (const [k, ref] of shownRefs) {
      const a = def ? get(def) : undefined;
      const b = get(ref);
      if (a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b)) {
        // Time-like figures: tfjs time ÷ PyTorch time (>1 = slower). Rate-like: PyTorch rate ÷ tfjs rate (same sense).
        const ratio = timeLike ? a / b : b / a;
        (ratios[k] ??= {})[name] = ratio;
        row.push(`${fmt(ratio, 2)}×`);
      } else row.push('—');
    }
    table.push(row);
  }
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const lines = table.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  console.log(lines.join('\n'));
  for (const s of systems) if (!isOk(s)) console.log(`\n${s.system}: ${s.error}`);
  if (def) console.log(`\ndefault = ${def.system} (${String(def.backend)}${def.native ? `, ${JSON.stringify(def.native)}` : ''})`);
  for (const [k, ref] of shownRefs) console.log(`PyTorch ${k}: ${ref.system}, ${fmt(ref.train_ms)} ms/step (${String(ref.blas ?? '')})`);
  console.log(
    `\n${machine.cpuModel}, ${machine.logicalCores} logical cores, load average ${fmt(machine.loadAverage.start, 1)} → ${fmt(loadEnd, 1)}` +
      `; training step = ${fmt(flops / 1e9, 2)} GFLOP (analytic)`,
  );
  if (machine.loadAverage.start > machine.logicalCores || loadEnd > machine.logicalCores) {
    console.log('warning: the machine was busy (load above its core count); wall times are inflated and ratios noisy.');
  }

  const out = {
    date: new Date().toISOString(),
    quick,
    machine: { ...machine, loadAverage: { start: machine.loadAverage.start, end: loadEnd } },
    model: { ...REFERENCE_CONFIG, tokens: 50, trainingGflopPerStep: flops / 1e9 },
    peakGflops: PEAK_GFLOPS,
    systems,
    pytorchReferences: Object.fromEntries(shownRefs.map(([k, r]) => [k, r.system])),
    ratiosDefaultOverPytorch: ratios,
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
