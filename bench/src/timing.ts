/**
 * Timing one call of a benchmark figure: the median wall time and the mean process CPU time (all threads) over
 * repetitions after warm-up. Every bench script times with these, so their figures mean the same thing.
 *
 * @module
 */

/** Median wall ms and mean process-CPU ms per call of `fn` (which must finish its work synchronously). */
export function timeIt(fn: () => void, reps: number, warmup: number): { wallMs: number; cpuMs: number } {
  for (let i = 0; i < warmup; i++) fn();
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    walls.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  walls.sort((a, b) => a - b);
  return { wallMs: walls[Math.floor(walls.length / 2)] as number, cpuMs: (c.user + c.system) / 1000 / reps };
}

/** {@link timeIt} for a call that finishes when its promise resolves. */
export async function timeItAsync(fn: () => Promise<void>, reps: number, warmup: number): Promise<{ wallMs: number; cpuMs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  walls.sort((a, b) => a - b);
  return { wallMs: walls[Math.floor(walls.length / 2)] as number, cpuMs: (c.user + c.system) / 1000 / reps };
}
