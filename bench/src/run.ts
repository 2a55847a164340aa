/**
 * `pnpm bench`: runs every system in its own process, one after another, and prints a table of the figures with the
 * ratio of darl's default backend to PyTorch; writes everything to `bench-results/latest.json` (git-ignored).
 *
 *   pnpm bench                 tfjs wasm + overrides (default), tfjs wasm as shipped, PyTorch
 *   pnpm bench --quick         a few-second smoke run: default backend and PyTorch, 2 training steps each
 *   pnpm bench --with-cpu      also the tfjs cpu backend (minutes: ~180× slower than PyTorch)
 *   pnpm bench --no-python     skip the PyTorch reference
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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
  train_1thread_ms?: number;
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

function runPytorch(): SystemResult | { system: string; error: string } {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return { system: 'pytorch', error: `skipped: ${PYTHON} with torch is not available (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()})` };
  }
  process.stderr.write('running PyTorch reference …\n');
  const r = spawnSync(PYTHON, ['reference/darl_reference.py', '--threads', '2', ...(quick ? ['--quick'] : [])], {
    cwd: benchDir,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '2' },
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) return { system: 'pytorch', error: (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n') };
  return JSON.parse(line) as SystemResult;
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
  systems.push(runTfjs(['--backend', 'wasm']));
  if (!quick) systems.push(runTfjs(['--backend', 'wasm', '--no-overrides']));
  if (argv.includes('--with-cpu')) systems.push(runTfjs(['--backend', 'cpu']));
  const py = argv.includes('--no-python') ? { system: 'pytorch', error: 'skipped: --no-python' } : runPytorch();
  systems.push(py);
  const loadEnd = loadAverageNow();

  const flops = trainingFlops(REFERENCE_CONFIG);
  const batch = REFERENCE_CONFIG.batch;
  const ok = systems.filter(isOk);
  const ref = isOk(py) ? py : undefined;
  const rows: [string, (r: SystemResult) => number | undefined, number, boolean][] = [
    ['train ms/step', (r) => r.train_ms, 0, true],
    ['train CPU ms/step (all threads)', (r) => r.train_cpu_ms, 0, true],
    ['train images/s', (r) => (1000 * batch) / r.train_ms, 0, false],
    ['train GFLOP/s', (r) => flops / 1e9 / (r.train_ms / 1000), 1, false],
    [`train % of ${PEAK_GFLOPS} GFLOP/s peak`, (r) => (100 * flops) / 1e9 / (r.train_ms / 1000) / PEAK_GFLOPS, 1, false],
    ['generate 1 image, MSE (ms)', (r) => r.gen_mse_ms, 0, true],
    ['generate 1 image, diffusion 20 DDIM (ms)', (r) => r.gen_diffusion_ms, 0, true],
    ['data: patchify+normalise, images/s', (r) => (256 * 1000) / r.data_ms_per_256, 0, false],
  ];
  const header = ['figure', ...ok.map((r) => r.system), ...(ref ? ['default ÷ PyTorch'] : [])];
  const table: string[][] = [header];
  const ratios: Record<string, number> = {};
  const def = ok.find((r) => r.system === 'tfjs-wasm+overrides');
  for (const [name, get, digits, timeLike] of rows) {
    const cells = ok.map((r) => {
      const v = get(r);
      return v === undefined || !Number.isFinite(v) ? '—' : fmt(v, digits);
    });
    const row = [name, ...cells];
    if (ref) {
      const a = def ? get(def) : undefined;
      const b = get(ref);
      if (a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b)) {
        // Time-like figures: tfjs time ÷ PyTorch time (>1 = slower). Rate-like: PyTorch rate ÷ tfjs rate (same sense).
        const ratio = timeLike ? a / b : b / a;
        ratios[name] = ratio;
        row.push(`${fmt(ratio, 2)}×`);
      } else row.push('—');
    }
    table.push(row);
  }
  if (ref?.train_1thread_ms !== undefined && def) {
    const r1 = def.train_ms / ref.train_1thread_ms;
    ratios['train ms/step vs PyTorch 1 thread'] = r1;
    table.push(['train ms/step, PyTorch 1 thread', ...ok.map((r) => (r === ref ? fmt(ref.train_1thread_ms as number) : '')), `${fmt(r1, 2)}×`]);
  }
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const lines = table.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  console.log(lines.join('\n'));
  for (const s of systems) if (!isOk(s)) console.log(`\n${s.system}: ${s.error}`);
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
    ratiosDefaultOverPytorch: ratios,
  };
  const dir = join(benchDir, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${join(dir, 'latest.json')}`);
  if (!def) process.exitCode = 1;
}

main();
