/**
 * Configuration of the diffusion loss head.
 *
 * @module
 */
import { checkKnownKeys, checkOneOf, SettingError } from '@darl/tensor-backend';
import type { NoiseLevelSpec } from './noise-level.js';
import { validateNoiseLevelSpec } from './validate-noise-level-spec.js';
import { LOSS_WEIGHTINGS, PREDICTIONS, type LossWeighting, type Prediction } from './parameterisation.js';
import { PATCH_DECODER_DEFAULTS, validatePatchDecoderConfig, type PatchDecoderConfig } from './patch-decoder-config.js';

/** The diffusion head's configuration (readonly, JSON-serialisable). */
export interface DiffusionHeadConfig {
  /** The denoising patch decoder. */
  readonly decoder: PatchDecoderConfig;
  /** How γ is drawn per training draw ({@link NoiseLevelSpec}). */
  readonly noiseLevels: NoiseLevelSpec;
  /** What the decoder predicts: `x0` (default), `eps` or `v`. */
  readonly prediction: Prediction;
  /** Loss weighting across noise levels, `none` (default), `snr` or `min-snr` (see `lossWeights`). */
  readonly weighting: LossWeighting;
  /** K, noise draws per target sharing one condition (MAR's `diffusion_batch_mul`; default 1). */
  readonly batchMultiplier: number;
  /** The clip k of `min-snr` (default `DEFAULT_SNR_CLIP`, 5). */
  readonly snrClip?: number;
}

/**
 * Defaults of {@link diffusionHeadConfig}: noise levels γ ~ Beta(1, 2) (skewed towards high noise, i.e. small γ,
 * which the DARL paper reports works best for representations), x0-prediction, no weighting, K = 1. `snrClip`
 * unset means `DEFAULT_SNR_CLIP`.
 */
export const DIFFUSION_HEAD_DEFAULTS = {
  noiseLevels: { kind: 'beta', a: 1, b: 2 },
  prediction: 'x0',
  weighting: 'none',
  batchMultiplier: 1,
} as const satisfies Partial<DiffusionHeadConfig>;

/** The keys of a {@link DiffusionHeadConfig}. */
export const DIFFUSION_HEAD_KEYS = ['decoder', 'noiseLevels', 'prediction', 'weighting', 'batchMultiplier', 'snrClip'] as const;

/** Settings accepted by {@link diffusionHeadConfig}: the decoder may be partial (defaults filled in). */
export type DiffusionHeadSettings = Partial<Omit<DiffusionHeadConfig, 'decoder'>> & {
  /** The decoder's settings: `patchDim` and `conditionDim` are required, the rest default to {@link PATCH_DECODER_DEFAULTS}. */
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
    throw new SettingError('decoder', 'diffusionHeadConfig: pass { decoder: { patchDim, conditionDim, … }, … }.');
  }
  const config = {
    ...DIFFUSION_HEAD_DEFAULTS,
    ...settings,
    decoder: { ...PATCH_DECODER_DEFAULTS, ...settings.decoder },
  } as DiffusionHeadConfig;
  validateDiffusionHeadConfig('diffusionHeadConfig', config);
  return config;
}

/** Throws a {@link SettingError} (key relative to the head config, e.g. `decoder.heads`) for the first problem found. */
export function validateDiffusionHeadConfig(where: string, config: DiffusionHeadConfig): void {
  if (config === null || typeof config !== 'object') throw new SettingError('', `${where}: config must be an object, got ${String(config)}.`);
  checkKnownKeys(where, config, DIFFUSION_HEAD_KEYS);
  validatePatchDecoderConfig(where, config.decoder, 'decoder.');
  validateNoiseLevelSpec(where, config.noiseLevels);
  checkOneOf(where, 'prediction', config.prediction, PREDICTIONS);
  checkOneOf(where, 'weighting', config.weighting, LOSS_WEIGHTINGS);
  if (!Number.isInteger(config.batchMultiplier) || config.batchMultiplier < 1) {
    throw new SettingError('batchMultiplier', `${where}: "batchMultiplier" must be an integer ≥ 1, got ${JSON.stringify(config.batchMultiplier)}.`);
  }
  if (config.snrClip !== undefined && !(config.snrClip > 0)) {
    throw new SettingError('snrClip', `${where}: "snrClip" must be a number > 0, got ${JSON.stringify(config.snrClip)}.`);
  }
}
