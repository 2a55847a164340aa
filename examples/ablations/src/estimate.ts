/**
 * The full mode's wall-time estimate, from single-core costs measured on this project's 2-core machine (native
 * backend, `DARL_NUM_THREADS=1`, width-64 model; 2026-12-08, `--only mse-rope2d,diffusion-beta1-2 --seeds 1
 * --steps 40 --workers 1`). The machine was loaded (load average 17–19), so the costs are the CPU seconds the process
 * used, which stand for idle single-core wall time. A worker's time is its runs' training (images / rate) plus their
 * probes; the workers run side by side, one per core.
 */
import type { Setting } from './settings.js';

/** Measured at patch 4 (49 tokens) with the full-mode model and probe. */
export const MEASURED = {
  /** Training images per CPU second: MSE, and diffusion (K = 2 noise draws per patch, 2-block MLP decoder). */
  trainImagesPerCpuSecond: { mse: 581, diffusion: 313 },
  /** CPU seconds of one probe: features of 70 000 images, then the L-BFGS fit and its test score. */
  probeCpuSeconds: 38,
} as const;

/**
 * Patch 7 has 16 tokens against 49: its costs are taken as patch 4's divided by this factor (derived from the token
 * count, below the 49/16 ≈ 3 of pure per-token work; not measured).
 */
const PATCH7_SPEEDUP = 2.5;

/** Headroom for two processes sharing caches and memory bandwidth, process start-up and data loading (assumed). */
const OVERHEAD = 1.15;

/** Estimated wall seconds of the full-mode run list on `workers` single-core workers (2 cores at most). */
export function estimateSeconds(o: { settings: readonly Setting[]; seeds: number; steps: number; workers: number; batchSize: number }): number {
  const perSeed = o.settings.reduce((sum, s) => {
    const scale = s.patchSize === 7 ? PATCH7_SPEEDUP : 1;
    const train = (o.steps * o.batchSize) / MEASURED.trainImagesPerCpuSecond[s.objective] / scale;
    const probes = (s.half ? 2 : 1) * (MEASURED.probeCpuSeconds / scale);
    return sum + train + probes;
  }, 0);
  return (OVERHEAD * perSeed * o.seeds) / Math.min(o.workers, 2);
}
