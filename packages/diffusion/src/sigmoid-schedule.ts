/**
 * The sigmoid schedule of Jabri et al. (2023, RIN) and Chen (2023, "On the importance of noise scheduling").
 * Pure float64 math: this file imports nothing from tfjs.
 *
 * @module
 */
import { checkTime, clampLogSnr, sigmoid, type NoiseSchedule } from './noise-schedule.js';

/** Options of {@link sigmoidSchedule}. */
export interface SigmoidScheduleOptions {
  /** Start of the sigmoid's input range; default −3. */
  readonly start?: number;
  /** End of the sigmoid's input range; default 3. */
  readonly end?: number;
  /** Temperature τ; default 1 (Chen 2023 also uses e.g. start 0, end 3, τ 0.7–1.1). */
  readonly tau?: number;
}

/**
 * `γ(t) = (v_end − σ((t·(end − start) + start)/τ)) / (v_end − v_start)` with `v_start = σ(start/τ)`,
 * `v_end = σ(end/τ)` (Chen 2023, Algorithm 1, without its 1e-9 clip — the package-wide clamp applies instead).
 * `1 − γ` is computed as `(σ(…) − v_start)/(v_end − v_start)` so log-SNR does not cancel near t = 0.
 * Name: `sigmoid(start=-3,end=3,tau=1)`.
 */
export function sigmoidSchedule(opts: SigmoidScheduleOptions = {}): NoiseSchedule {
  const start = opts.start ?? -3;
  const end = opts.end ?? 3;
  const tau = opts.tau ?? 1;
  if (!(end > start) || !(tau > 0) || !Number.isFinite(start) || !Number.isFinite(end)) {
    throw new RangeError(`sigmoidSchedule: need finite start < end and tau > 0, got start ${start}, end ${end}, tau ${tau}.`);
  }
  const vStart = sigmoid(start / tau);
  const vEnd = sigmoid(end / tau);
  const name = `sigmoid(start=${start},end=${end},tau=${tau})`;
  const logSnr = (t: number): number => {
    checkTime(name, t);
    const v = sigmoid((t * (end - start) + start) / tau);
    // γ/(1−γ) = (v_end − v)/(v − v_start)
    return clampLogSnr(Math.log(vEnd - v) - Math.log(v - vStart));
  };
  return { name, logSnr, gamma: (t) => sigmoid(logSnr(t)) };
}
