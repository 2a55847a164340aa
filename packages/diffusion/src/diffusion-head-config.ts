/**
 * Configuration of the diffusion loss head.
 *
 * @module
 */
import { validateNoiseLevelSpec, type NoiseLevelSpec } from './noise-level.js';
import type { LossWeighting, Prediction } from './parameterisation.js';
import { patchDecoderConfig, validatePatchDecoderConfig, type PatchDecoderConfig } from './patch-decoder-config.js';

/**
 * The diffusion head's configuration (readonly, JSON-serialisable).
 * - `decoder`: the denoising patch decoder.
 * - `noiseLevels`: how γ is drawn per training draw ({@link NoiseLevelSpec}).
 * - `prediction`: what the decoder predicts: `x0` (default), `eps` or `v`.
 * - `weighting`: loss weighting across noise levels, `none` (default), `snr` or `min-snr` (see `lossWeights`).
 * - `batchMultiplier`: K, noise draws per target sharing one condition (MAR's `diffusion_batch_mul`; default 1).
 * - `snrClip`: the clip k of `min-snr` (default 5); optional.
 */
export interface DiffusionHeadConfig {
  readonly decoder: PatchDecoderConfig;
  readonly noiseLevels: NoiseLevelSpec;
  readonly prediction: Prediction;
  readonly weighting: LossWeighting;
  readonly batchMultiplier: number;
  readonly snrClip?: number;
}

/** Defaults of {@link diffusionHeadConfig}: cosine noise levels (= Beta(½, ½) on γ), x0-prediction, no weighting, K = 1. */
export const DIFFUSION_HEAD_DEFAULTS = {
  noiseLevels: { kind: 'schedule', schedule: 'cosine' },
  prediction: 'x0',
  weighting: 'none',
  batchMultiplier: 1,
} as const satisfies Partial<DiffusionHeadConfig>;

const KEYS = ['decoder', 'noiseLevels', 'prediction', 'weighting', 'batchMultiplier', 'snrClip'] as const;

/** Settings accepted by {@link diffusionHeadConfig}: the decoder may be partial (defaults filled in). */
export type DiffusionHeadSettings = Partial<Omit<DiffusionHeadConfig, 'decoder'>> & {
  readonly decoder: Partial<PatchDecoderConfig> & Pick<PatchDecoderConfig, 'patchDim' | 'conditionDim'>;
};

/**
 * A complete, validated {@link DiffusionHeadConfig}: {@link DIFFUSION_HEAD_DEFAULTS} and the decoder defaults,
 * overridden by `settings`. Unknown keys are rejected.
 *
 * @example
 * const config = diffusionHeadConfig({ decoder: { patchDim: 16, conditionDim: 128 }, noiseLevels: { kind: 'beta', a: 1, b: 3 } });
 */
export function diffusionHeadConfig(settings: DiffusionHeadSettings): DiffusionHeadConfig {
  if (settings === null || typeof settings !== 'object' || !settings.decoder) {
    throw new Error('diffusionHeadConfig: pass { decoder: { patchDim, conditionDim, … }, … }.');
  }
  const config: DiffusionHeadConfig = { ...DIFFUSION_HEAD_DEFAULTS, ...settings, decoder: patchDecoderConfig(settings.decoder) };
  validateDiffusionHeadConfig('diffusionHeadConfig', config);
  return config;
}

/** Throws one clear error for the first problem found in a head config. */
export function validateDiffusionHeadConfig(where: string, config: DiffusionHeadConfig): void {
  if (config === null || typeof config !== 'object') throw new Error(`${where}: config must be an object, got ${String(config)}.`);
  const unknown = Object.keys(config).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`${where}: unknown diffusion head config key(s) ${unknown.map((k) => `"${k}"`).join(', ')}; known keys are ${KEYS.join(', ')}.`);
  }
  validatePatchDecoderConfig(where, config.decoder);
  validateNoiseLevelSpec(where, config.noiseLevels);
  if (!['x0', 'eps', 'v'].includes(config.prediction)) {
    throw new Error(`${where}: "prediction" must be 'x0', 'eps' or 'v', got ${JSON.stringify(config.prediction)}.`);
  }
  if (!['none', 'snr', 'min-snr'].includes(config.weighting)) {
    throw new Error(`${where}: "weighting" must be 'none', 'snr' or 'min-snr', got ${JSON.stringify(config.weighting)}.`);
  }
  if (!Number.isInteger(config.batchMultiplier) || config.batchMultiplier < 1) {
    throw new Error(`${where}: "batchMultiplier" must be an integer ≥ 1, got ${JSON.stringify(config.batchMultiplier)}.`);
  }
  if (config.snrClip !== undefined && !(config.snrClip > 0)) {
    throw new Error(`${where}: "snrClip" must be a number > 0, got ${JSON.stringify(config.snrClip)}.`);
  }
}
