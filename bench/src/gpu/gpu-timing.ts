/**
 * Timing of asynchronous GPU work: each call ends by awaiting a small read of its result (`await t.data()`), which
 * resolves only when the GPU has finished everything queued before it, so wall time covers the whole GPU work.
 */

/** Median wall milliseconds per call and the number of timed calls. */
export interface Timing {
  readonly ms: number;
  readonly reps: number;
}

/**
 * Runs `fn` `warmup` times untimed, then up to `reps` times timed, stopping early (after at least one timed call)
 * once `budgetSeconds` of wall time, warm-up included, are spent. Returns the median.
 */
export async function timeAsync(fn: () => Promise<void>, opts: { reps: number; warmup: number; budgetSeconds: number }): Promise<Timing> {
  const start = performance.now();
  const spent = (): number => (performance.now() - start) / 1000;
  for (let i = 0; i < opts.warmup && (i === 0 || spent() < opts.budgetSeconds / 2); i++) await fn();
  const times: number[] = [];
  while (times.length < opts.reps && (times.length === 0 || spent() < opts.budgetSeconds)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] as number, reps: times.length };
}
