/**
 * Validating a {@link NoiseLevelSpec} once, when a head config is built (kept apart from the pure float64
 * `noise-level.ts`, which draws from a validated spec on every step).
 *
 * @module
 */
import { checkOneOf, SettingError } from '@darl/tensor-backend';
import { SCHEDULE_NAMES, scheduleFromSpec, type NoiseLevelSpec } from './noise-level.js';

/**
 * Throws a {@link SettingError} (key relative to the spec's holder: `noiseLevels.a`, `noiseLevels.schedule`, …)
 * for a malformed spec.
 */
export function validateNoiseLevelSpec(where: string, spec: NoiseLevelSpec): void {
  if (spec === null || typeof spec !== 'object') {
    throw new SettingError('noiseLevels', `${where}: noiseLevels must be an object like { kind: 'beta', a: 1, b: 3 }, got ${String(spec)}.`);
  }
  if (spec.kind === 'beta') {
    if (!(spec.a > 0 && spec.b > 0) || !Number.isFinite(spec.a) || !Number.isFinite(spec.b)) {
      throw new SettingError(
        spec.a > 0 && Number.isFinite(spec.a) ? 'noiseLevels.b' : 'noiseLevels.a',
        `${where}: noiseLevels Beta(a, b) needs finite a > 0 and b > 0, got a = ${spec.a}, b = ${spec.b}.`,
      );
    }
    return;
  }
  if (spec.kind === 'schedule') {
    checkOneOf(where, 'noiseLevels.schedule', spec.schedule, SCHEDULE_NAMES);
    try {
      scheduleFromSpec(spec);
    } catch (err) {
      throw new SettingError(`noiseLevels.${spec.schedule === 'cosine-offset' ? 'cosineOffset' : spec.schedule}`, `${where}: ${(err as Error).message}`);
    }
    return;
  }
  throw new SettingError(
    'noiseLevels.kind',
    `${where}: noiseLevels.kind must be 'beta' or 'schedule', got ${JSON.stringify((spec as { kind: unknown }).kind)}.`,
  );
}

