/**
 * The full mode's wall-time estimate, from single-core rates measured on this project's 2-core machine (idle, native
 * backend, one worker per core; README.md gives the measurement). A worker's time is its runs' training
 * (steps × batch / training rate) plus their probes (feature extraction of every probe image, then the L-BFGS fit).
 */
import type { Setting } from './settings.js';

/** Single-core rates in images per second, by patch size (patch 7: 16 tokens instead of 49). */
export const MEASURED = {
  /** Training images per second, MSE and diffusion (K = 2 noise draws per patch). */
  train: { 4: { mse: 300, diffusion: 200 }, 7: { mse: 900, diffusion: 500 } },
  /** Feature-extraction images per second (forward pass, mean pooling of the last block). */
  extract: { 4: 2000, 7: 5000 },
  /** Seconds of one L-BFGS probe fit (60 000 × 128 features, held-out score and final fit). */
  probeFitSeconds: 30,
} as const;

/** Images one probe extracts: the 60 000 training and 10 000 test images (small mode: 200 + 100). */
const probeImages = (small: boolean): number => (small ? 300 : 70_000);

/** Estimated wall seconds of the whole run list on `workers` single-core workers. */
export function estimateSeconds(o: { small: boolean; settings: readonly Setting[]; seeds: number; steps: number; workers: number; batchSize: number }): number {
  const perRun = o.settings.map((s) => {
    const train = (o.steps * o.batchSize) / MEASURED.train[s.patchSize][s.objective];
    const probes = s.half ? 2 : 1;
    return train + probes * (probeImages(o.small) / MEASURED.extract[s.patchSize] + MEASURED.probeFitSeconds);
  });
  const total = perRun.reduce((a, b) => a + b, 0) * o.seeds;
  return total / Math.min(o.workers, 2);
}
