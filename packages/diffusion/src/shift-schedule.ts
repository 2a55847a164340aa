/**
 * Shifting a schedule in log-SNR. Pure float64 math: this file imports nothing from tfjs.
 *
 * @module
 */
import { clampLogSnr, sigmoid, type NoiseSchedule } from './noise-schedule.js';

/**
 * `logSnr'(t) = logSnr(t) + logSnrShift`, `γ'(t) = sigmoid(logSnr'(t))`. A positive shift means more signal at every
 * t, a negative one more noise (Hoogeboom et al. 2023's resolution shift is `−2·log(d/64)`, i.e. negative for
 * larger images). Note the base log-SNR is already clamped, so at the very ends the shifted schedule reaches
 * `±LOG_SNR_LIMIT + shift` before being clamped again. Name: `shift(<base>,<shift>)`.
 */
export function shiftSchedule(base: NoiseSchedule, logSnrShift: number): NoiseSchedule {
  if (!Number.isFinite(logSnrShift)) throw new RangeError(`shiftSchedule: logSnrShift must be finite, got ${logSnrShift}.`);
  const logSnr = (t: number): number => clampLogSnr(base.logSnr(t) + logSnrShift);
  return { name: `shift(${base.name},${logSnrShift})`, logSnr, gamma: (t) => sigmoid(logSnr(t)) };
}
