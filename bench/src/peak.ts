/**
 * Peak arithmetic: the machine's fp32 peak is measured in the same run (an FMA loop and a large SGEMM, 1 and 2
 * threads; `measure-peak.ts`), and every achieved rate is reported as a percentage of it. Pure functions.
 */

/** How a rate was measured. */
export type PeakSource = 'fma-loop' | 'sgemm';

/** One measured rate. */
export interface PeakMeasurement {
  readonly source: PeakSource;
  /** What ran, e.g. `FMA loop (AVX-512, 12 chains)` or `PyTorch SGEMM 2048³ (OpenMP OpenBLAS)`. */
  readonly label: string;
  readonly threads: number;
  /** FLOPs ÷ wall time of all threads together: what the percentages use. */
  readonly gflops: number;
  /**
   * FMA loop only: FLOPs ÷ each thread's own CPU time, summed over the threads. Other processes on the machine lower
   * `gflops` but hardly this, so it estimates the idle peak on a busy machine; informational.
   */
  readonly cpuTimeGflops?: number;
}

/** The peak a figure is compared with: the rate and what measured it. */
export interface Peak {
  readonly gflops: number;
  readonly label: string;
  readonly source: PeakSource;
}

/** GFLOP/s of an n×n by n×n fp32 matrix product (2·n³ FLOPs) that took `ms` milliseconds. */
export function sgemmGflops(n: number, ms: number): number {
  return (2 * n ** 3) / (ms * 1e6);
}

/** GFLOP/s of `flops` FLOPs done in `ms` milliseconds. */
export function gflopsOf(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}

/**
 * The measured peak at `threads` threads: the highest finite rate any measurement of `source` (or of any source when
 * omitted) reached with that many threads. A peak is an upper bound, so the highest measured rate is the tightest
 * lower estimate of it; on a loaded machine every measurement reads low. Undefined when nothing was measured.
 */
export function measuredPeak(ms: readonly PeakMeasurement[], threads: number, source?: PeakSource): Peak | undefined {
  let best: PeakMeasurement | undefined;
  for (const m of ms) {
    if (m.threads !== threads || (source && m.source !== source) || !Number.isFinite(m.gflops) || m.gflops <= 0) continue;
    if (!best || m.gflops > best.gflops) best = m;
  }
  return best && { gflops: best.gflops, label: best.label, source: best.source };
}

/** `gflops` as a percentage of `peak` (undefined when either is missing). */
export function percentOfPeak(gflops: number | undefined, peak: Peak | undefined): number | undefined {
  return gflops === undefined || peak === undefined ? undefined : (100 * gflops) / peak.gflops;
}
