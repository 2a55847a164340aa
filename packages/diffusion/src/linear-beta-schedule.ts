/**
 * The linear-β schedule of DDPM (Ho et al., 2020) in continuous time. Pure float64 math: this file imports nothing
 * from tfjs.
 *
 * @module
 */
import { checkTime, clampLogSnr, sigmoid, type NoiseSchedule } from './noise-schedule.js';

/** Options of {@link linearBetaSchedule}; defaults are DDPM's. */
export interface LinearBetaOptions {
  /** β of the first step; default 1e-4. */
  readonly betaStart?: number;
  /** β of the last step; default 0.02. */
  readonly betaEnd?: number;
  /** Number of discrete steps T; default 1000. */
  readonly steps?: number;
}

/**
 * DDPM's table `ᾱ_i = ∏_{j ≤ i} (1 − β_j)` for `i = 0 … T` (`ᾱ_0 = 1`), with `β_j` linearly spaced from
 * `betaStart` (j = 1) to `betaEnd` (j = T), accumulated in float64.
 *
 * @returns Float64Array of length T + 1
 */
export function linearBetaAlphaBar(opts: LinearBetaOptions = {}): Float64Array {
  const { betaStart, betaEnd, steps } = resolve(opts);
  const out = new Float64Array(steps + 1);
  out[0] = 1;
  for (let i = 1; i <= steps; i++) {
    const beta = steps === 1 ? betaStart : betaStart + ((betaEnd - betaStart) * (i - 1)) / (steps - 1);
    out[i] = out[i - 1]! * (1 - beta);
  }
  return out;
}

function resolve(opts: LinearBetaOptions): Required<LinearBetaOptions> {
  const betaStart = opts.betaStart ?? 1e-4;
  const betaEnd = opts.betaEnd ?? 0.02;
  const steps = opts.steps ?? 1000;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`linearBetaSchedule: steps must be an integer ≥ 1, got ${steps}.`);
  if (!(betaStart > 0 && betaStart < 1 && betaEnd > 0 && betaEnd < 1)) {
    throw new RangeError(`linearBetaSchedule: betaStart and betaEnd must be in (0, 1), got ${betaStart} and ${betaEnd}.`);
  }
  return { betaStart, betaEnd, steps };
}

/**
 * DDPM's linear-β schedule (β from `betaStart` = 1e-4 to `betaEnd` = 0.02 over `steps` = 1000) as a continuous
 * schedule: t = i/T is DDPM step i (γ(i/T) = ᾱ_i exactly, γ(0) = 1 before clamping), and between steps
 * `log γ` is interpolated linearly in t (so γ is geometric between knots). Respacing to S steps with S dividing T
 * hits DDPM's own ᾱ values. log-SNR is `log γ − log(−expm1(log γ))`, accurate near both ends.
 * Name: `linear-beta(start=0.0001,end=0.02,steps=1000)`.
 */
export function linearBetaSchedule(opts: LinearBetaOptions = {}): NoiseSchedule {
  const r = resolve(opts);
  const table = linearBetaAlphaBar(r);
  const logTable = Float64Array.from(table, (v) => Math.log(v));
  const name = `linear-beta(start=${r.betaStart},end=${r.betaEnd},steps=${r.steps})`;
  const logSnr = (t: number): number => {
    checkTime(name, t);
    const pos = t * r.steps;
    const i = Math.min(r.steps - 1, Math.floor(pos));
    const frac = pos - i;
    const logGamma = logTable[i]! + (logTable[i + 1]! - logTable[i]!) * frac;
    if (logGamma === 0) return clampLogSnr(Infinity);
    return clampLogSnr(logGamma - Math.log(-Math.expm1(logGamma)));
  };
  return { name, logSnr, gamma: (t) => sigmoid(logSnr(t)) };
}
