/**
 * Measures the machine's fp32 peak in the benchmark's own run: the FMA loop of `peak/fma_peak.cpp` (compiled here,
 * now, with the C++ compiler found) and a large SGEMM through PyTorch in each BLAS build, each with 1 and 2 threads.
 * Each measurement runs in its own process, one after another. Failures are recorded with their reason, never thrown:
 * the rest of the benchmark still runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BlasBuild } from './peer-configs.js';
import { PEER_THREADS } from './peer-configs.js';
import { sgemmGflops, type PeakMeasurement } from './peak.js';

/** Everything the peak step measured, plus the reasons for what it could not. */
export interface PeakRun {
  readonly measurements: PeakMeasurement[];
  /** Raw outputs (the FMA loop's and SGEMM's JSON lines), for the results file. */
  readonly raw: Record<string, unknown>[];
  readonly errors: string[];
}

function tail(s: string): string {
  return s.trim().split('\n').slice(-3).join('\n');
}

/** The first C++ compiler that answers `--version`: `$CXX`, then `g++`, then `c++`. */
function findCompiler(): string | undefined {
  const candidates = [process.env.CXX, 'g++', 'c++'].filter((c): c is string => !!c);
  return candidates.find((c) => {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    return !r.error && r.status === 0;
  });
}

/** Compiles the FMA loop into `outDir`; returns the binary's path or the reason it could not. */
export function compileFmaLoop(benchDir: string, outDir: string): { binary: string } | { error: string } {
  const cxx = findCompiler();
  if (!cxx) {
    return {
      error:
        'FMA loop skipped: no C++ compiler found ($CXX, g++ and c++ are missing or fail). Install one (Debian: apt-get install g++) ' +
        'or set CXX to a compiler; the peak is then the SGEMM measurement alone.',
    };
  }
  mkdirSync(outDir, { recursive: true });
  const binary = join(outDir, 'fma_peak');
  const src = join(benchDir, 'peak', 'fma_peak.cpp');
  const r = spawnSync(cxx, ['-O2', '-march=native', '-std=c++17', '-pthread', src, '-o', binary], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { error: `FMA loop: ${cxx} failed to compile ${src}: ${tail(r.stderr || String(r.error))}` };
  return { binary };
}

function fmaLabel(raw: { lanes?: number; chains?: number }): string {
  return `FMA loop (${(raw.lanes ?? 0) * 32}-bit vectors, ${raw.chains ?? '?'} chains per thread)`;
}

/** Runs the FMA loop with 1 and 2 threads, `seconds` each. */
function runFmaLoop(binary: string, seconds: number, run: PeakRun): void {
  for (const threads of PEER_THREADS) {
    const r = spawnSync(binary, [String(threads), String(seconds)], { encoding: 'utf8' });
    const line = r.stdout?.trim().split('\n').pop() ?? '';
    if (r.error || r.status !== 0 || !line.startsWith('{')) {
      run.errors.push(`FMA loop, ${threads} threads: ${tail(r.stderr || String(r.error))}`);
      continue;
    }
    const raw = JSON.parse(line) as { gflops: number; gflops_cpu_time?: number; lanes?: number; chains?: number };
    run.raw.push({ kind: 'fma-loop', ...raw });
    run.measurements.push({
      source: 'fma-loop',
      label: fmaLabel(raw),
      threads,
      gflops: raw.gflops,
      ...(raw.gflops_cpu_time !== undefined ? { cpuTimeGflops: raw.gflops_cpu_time } : {}),
    });
  }
}

/** Runs the PyTorch SGEMM in each BLAS build with 1 and 2 threads. */
function runTorchSgemm(python: string, benchDir: string, builds: readonly BlasBuild[], size: number, run: PeakRun): void {
  for (const build of builds.length ? builds : [{ name: 'system BLAS' } as BlasBuild]) {
    for (const threads of PEER_THREADS) {
      const env = { ...process.env, ...(build.dir ? { LD_LIBRARY_PATH: build.dir } : {}), OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
      const args = ['reference/sgemm_peak.py', '--threads', String(threads), '--size', String(size)];
      const r = spawnSync(python, args, { cwd: benchDir, encoding: 'utf8', env });
      const line = r.stdout?.trim().split('\n').pop() ?? '';
      if (r.error || r.status !== 0 || !line.startsWith('{')) {
        run.errors.push(`PyTorch SGEMM (${build.name}, ${threads} threads): ${tail(r.stderr || String(r.error))}`);
        continue;
      }
      const raw = JSON.parse(line) as { size: number; best_ms: number };
      run.raw.push({ kind: 'sgemm', blasBuild: build.name, ...raw });
      run.measurements.push({ source: 'sgemm', label: `PyTorch SGEMM ${raw.size}³ (${build.name})`, threads, gflops: sgemmGflops(raw.size, raw.best_ms) });
    }
  }
}

/**
 * The whole peak step.
 * @param opts.python the interpreter with torch, or undefined to skip the SGEMM (its reason in `skipReason`)
 * @param opts.quick shorter runs: 0.3 s FMA loops and a 1024³ SGEMM instead of 2 s and 2048³
 */
export function measurePeak(opts: {
  benchDir: string;
  outDir: string;
  python?: string;
  pythonSkipReason?: string;
  builds: readonly BlasBuild[];
  quick: boolean;
}): PeakRun {
  const run: PeakRun = { measurements: [], raw: [], errors: [] };
  process.stderr.write('measuring the fp32 peak (FMA loop, SGEMM) …\n');
  const compiled = compileFmaLoop(opts.benchDir, opts.outDir);
  if ('error' in compiled) run.errors.push(compiled.error);
  else runFmaLoop(compiled.binary, opts.quick ? 0.3 : 2, run);
  if (opts.python) runTorchSgemm(opts.python, opts.benchDir, opts.builds, opts.quick ? 1024 : 2048, run);
  else run.errors.push(`PyTorch SGEMM ${opts.pythonSkipReason ?? 'skipped'}`);
  return run;
}
