/**
 * Cosine noise schedules. Pure float64 math: this file imports nothing from tfjs.
 *
 * @module
 */
import { scheduleFromLogSnr, type NoiseSchedule } from './noise-schedule.js';

/**
 * The simple cosine schedule `γ(t) = cos²(π·t/2)`, `logSnr(t) = −2·log tan(π·t/2)` (clamped, see
 * {@link GAMMA_MIN}). With `t ~ Uniform(0, 1)` this γ is exactly `Beta(½, ½)` distributed (the arcsine law:
 * `P(γ ≤ x) = (2/π)·asin(√x)`), the identity DARL's design uses to relate schedules to Beta noise levels.
 * Name: `cosine`.
 */
export function cosineSchedule(): NoiseSchedule {
  return scheduleFromLogSnr('cosine', (t) => -2 * Math.log(Math.tan((Math.PI * t) / 2)));
}

/** Options of {@link cosineOffsetSchedule}. */
export interface CosineOffsetOptions {
  /** The offset `s` of Nichol & Dhariwal (2021); default 0.008. */
  readonly s?: number;
}

/**
 * Nichol & Dhariwal's (2021, "Improved DDPM") cosine schedule with offset `s` (default 0.008), taken in continuous
 * time: `γ(t) = f(t)/f(0)`, `f(t) = cos²(((t + s)/(1 + s))·π/2)`. Their discrete version also clips each step's β
 * at 0.999; this continuous one does not (the final γ(1) = 0 is clamped to {@link GAMMA_MIN} instead). The
 * log-SNR uses `f(0) − f(t) = sin(a + b)·sin(b − a)` with `a = s/(1+s)·π/2`, `b = (t+s)/(1+s)·π/2`, so it does not
 * cancel near t = 0. Name: `cosine-offset(s=0.008)`.
 */
export function cosineOffsetSchedule(opts: CosineOffsetOptions = {}): NoiseSchedule {
  const s = opts.s ?? 0.008;
  if (!(s >= 0 && s < 1)) throw new RangeError(`cosineOffsetSchedule: offset s must be in [0, 1), got ${s}.`);
  const a = ((s / (1 + s)) * Math.PI) / 2;
  return scheduleFromLogSnr(`cosine-offset(s=${s})`, (t) => {
    const b = (((t + s) / (1 + s)) * Math.PI) / 2;
    const cb = Math.cos(b);
    // γ/(1−γ) = f(t) / (f(0) − f(t)) = cos²b / (sin(a+b)·sin(b−a))
    return 2 * Math.log(Math.abs(cb)) - Math.log(Math.sin(a + b)) - Math.log(Math.sin(b - a));
  });
}
