/**
 * Learning-rate schedules as pure float64 functions of the optimiser step (no tfjs import). A schedule maps the
 * 0-based index of the optimiser step about to be taken to its learning rate: `lr = schedule(optimizer.stepCount)`.
 *
 * Warm-up, shared by all schedules: for `step < warmupSteps` the rate rises linearly,
 * `lr(step) = peak · (step + 1) / warmupSteps`, so the first step already moves the weights and step
 * `warmupSteps − 1` runs at `peak`. A published schedule's numbers never change; new behaviour gets a new name.
 *
 * @module
 */

/** A learning-rate schedule: 0-based optimiser step (a non-negative number) → learning rate. */
export type LrSchedule = (step: number) => number;

function fail(where: string, message: string): never {
  throw new Error(`${where}: ${message}`);
}

function checkNonNegative(where: string, name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) fail(where, `"${name}" must be a finite number ≥ 0, got ${String(value)}.`);
}

function checkStep(where: string, step: number): void {
  if (!Number.isFinite(step) || step < 0) {
    fail(where, `the step must be a finite number ≥ 0 (the 0-based optimiser step), got ${String(step)}.`);
  }
}

function warmupFactor(step: number, warmupSteps: number): number {
  return Math.min(1, (step + 1) / warmupSteps);
}

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** Learning rate at the end of warm-up. */
  readonly peak: number;
  /** Steps of linear warm-up (0 for none). */
  readonly warmupSteps: number;
  /** Step at which the cosine reaches `final`; later steps stay at `final`. Must be ≥ `warmupSteps`. */
  readonly totalSteps: number;
  /** Learning rate at `totalSteps` and after (default 0). */
  readonly final?: number;
}

/**
 * Linear warm-up, then half a cosine from `peak` down to `final` (MAE / AIM recipe):
 * `lr(s) = final + (peak − final) · ½ · (1 + cos(π · (s − W) / (T − W)))` for `W ≤ s < T`, `final` for `s ≥ T`.
 *
 * @example
 * const schedule = warmupCosine({ peak: 1.5e-4, warmupSteps: 500, totalSteps: 10_000 });
 * optimizer.step(grads, schedule(optimizer.stepCount));
 */
export function warmupCosine(opts: WarmupCosineOptions): LrSchedule {
  const where = 'warmupCosine';
  const { peak, warmupSteps, totalSteps, final = 0 } = opts;
  checkNonNegative(where, 'peak', peak);
  checkNonNegative(where, 'final', final);
  checkNonNegative(where, 'warmupSteps', warmupSteps);
  checkNonNegative(where, 'totalSteps', totalSteps);
  if (totalSteps < warmupSteps) {
    fail(where, `"totalSteps" (${totalSteps}) must be ≥ "warmupSteps" (${warmupSteps}): the cosine runs from the end of warm-up to totalSteps.`);
  }
  const decaySteps = totalSteps - warmupSteps;
  return (step) => {
    checkStep(where, step);
    if (step < warmupSteps) return peak * warmupFactor(step, warmupSteps);
    if (step >= totalSteps || decaySteps === 0) return final;
    const progress = (step - warmupSteps) / decaySteps;
    return final + (peak - final) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/** Linear warm-up (optional), then a constant `lr`. */
export function constantLr(lr: number, opts: { readonly warmupSteps?: number } = {}): LrSchedule {
  const where = 'constantLr';
  const warmupSteps = opts.warmupSteps ?? 0;
  checkNonNegative(where, 'lr', lr);
  checkNonNegative(where, 'warmupSteps', warmupSteps);
  return (step) => {
    checkStep(where, step);
    return step < warmupSteps ? lr * warmupFactor(step, warmupSteps) : lr;
  };
}

/** Options of {@link stepLr}. */
export interface StepLrOptions {
  /** Learning rate after warm-up, before the first drop. */
  readonly peak: number;
  /** Steps between drops (counted from the end of warm-up), > 0. */
  readonly every: number;
  /** Multiplier at each drop, in (0, 1] typically (e.g. 0.1). */
  readonly factor: number;
  /** Steps of linear warm-up (default 0). */
  readonly warmupSteps?: number;
}

/**
 * Linear warm-up, then piecewise constant: `lr(s) = peak · factor^⌊(s − W) / every⌋` for `s ≥ W` (like
 * `torch.optim.lr_scheduler.StepLR` started at the end of warm-up).
 */
export function stepLr(opts: StepLrOptions): LrSchedule {
  const where = 'stepLr';
  const { peak, every, factor, warmupSteps = 0 } = opts;
  checkNonNegative(where, 'peak', peak);
  checkNonNegative(where, 'factor', factor);
  checkNonNegative(where, 'warmupSteps', warmupSteps);
  if (!Number.isFinite(every) || every <= 0) fail(where, `"every" must be a finite number > 0, got ${String(every)}.`);
  return (step) => {
    checkStep(where, step);
    if (step < warmupSteps) return peak * warmupFactor(step, warmupSteps);
    return peak * factor ** Math.floor((step - warmupSteps) / every);
  };
}

/**
 * A learning-rate schedule over training progress rather than steps: 0-based optimiser step and progress ∈ [0, 1]
 * (e.g. the fraction of a wall-clock budget spent) → learning rate.
 */
export type ProgressLrSchedule = (step: number, progress: number) => number;

/** Options of {@link warmupCosineByProgress}. */
export interface WarmupCosineByProgressOptions {
  /** Learning rate at the end of warm-up while progress is still 0. */
  readonly peak: number;
  /** Steps of linear warm-up (0 for none); counted in steps, so it is the same amount of data on any machine. */
  readonly warmupSteps: number;
  /** Learning rate at progress 1 and after (default 0). */
  readonly final?: number;
}

/**
 * Half a cosine from `peak` to `final` over progress `p` (clamped to [0, 1]), multiplied by the linear warm-up
 * factor of the step: `lr(s, p) = min(1, (s + 1) / W) · (final + (peak − final) · ½ · (1 + cos(π · p)))`.
 *
 * With `p = elapsed seconds / budget seconds` the decay follows wall time, so runs with the same budget end their
 * schedule together on machines of any speed (a faster machine takes more steps along the same curve). The
 * warm-up multiplies the cosine instead of preceding it, so the curve is continuous wherever warm-up ends.
 *
 * @example
 * const schedule = warmupCosineByProgress({ peak: 1e-3, warmupSteps: 100, final: 1e-5 });
 * optimizer.step(grads, schedule(optimizer.stepCount, elapsedSeconds / budgetSeconds));
 */
export function warmupCosineByProgress(opts: WarmupCosineByProgressOptions): ProgressLrSchedule {
  const where = 'warmupCosineByProgress';
  const { peak, warmupSteps, final = 0 } = opts;
  checkNonNegative(where, 'peak', peak);
  checkNonNegative(where, 'final', final);
  checkNonNegative(where, 'warmupSteps', warmupSteps);
  return (step, progress) => {
    checkStep(where, step);
    if (!Number.isFinite(progress) || progress < 0) fail(where, `the progress must be a finite number ≥ 0, got ${String(progress)}.`);
    const p = Math.min(1, progress);
    const cosine = final + (peak - final) * 0.5 * (1 + Math.cos(Math.PI * p));
    return step < warmupSteps ? cosine * warmupFactor(step, warmupSteps) : cosine;
  };
}
