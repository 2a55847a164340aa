/**
 * The full mode's wall-time estimate, from single-core costs measured on this project's 2-core machine (native
 * backend, `DARL_NUM_THREADS=1`, the full-mode model at width 64; 2026-12-08: patch 4 from `--only
 * mse-rope2d,diffusion-beta1-2 --seeds 1 --steps 40 --workers 1`, patch 7 from `--only mse-patch7,diffusion-patch7
 * --seeds 2 --steps 20 --workers 2`). The machine was loaded (load average 10–19), so the costs are the CPU seconds
 * the process used, which stand for idle single-core wall time. A worker's time is its runs' training (images / rate)
 * plus their probes; the workers run side by side, one per core.
 */
import type { Setting } from './settings.js';

/** Measured costs by patch size (the slower of the measured runs where there were two). */
export const MEASURED = {
  /** Training images per CPU second: MSE, and diffusion (K = 2 noise draws per patch, 2-block MLP decoder). */
  trainImagesPerCpuSecond: { 4: { mse: 581, diffusion: 313 }, 7: { mse: 1053, diffusion: 526 } },
  /** CPU seconds of one probe: features of 70 000 images, then the L-BFGS fit and its test score. */
  probeCpuSeconds: { 4: 38, 7: 17.2 },
} as const;

/** Headroom for two processes sharing caches and memory bandwidth, process start-up and data loading (assumed). */
const OVERHEAD = 1.15;

/** Estimated wall seconds of the full-mode run list on `workers` single-core workers (2 cores at most). */
export function estimateSeconds(o: { settings: readonly Setting[]; seeds: number; steps: number; workers: number; batchSize: number }): number {
  const perSeed = o.settings.reduce((sum, s) => {
    const train = (o.steps * o.batchSize) / MEASURED.trainImagesPerCpuSecond[s.patchSize][s.objective];
    const probes = (s.half ? 2 : 1) * MEASURED.probeCpuSeconds[s.patchSize];
    return sum + train + probes;
  }, 0);
  return (OVERHEAD * perSeed * o.seeds) / Math.min(o.workers, 2);
}
