/**
 * Configuration of the denoising patch decoder `g(x_γ, h, γ)`.
 *
 * @module
 */
import { checkKnownKeys, checkOneOf, SettingError } from '@darl/tensor-backend';

/** The decoder kinds. */
export const DECODER_KINDS = ['mlp', 'transformer'] as const;

/** The denoising patch decoder's configuration (readonly, JSON-serialisable). */
export interface PatchDecoderConfig {
  /**
   * `'mlp'` (MAR's SimpleMLPAdaLN: residual MLP blocks with adaptive LayerNorm from condition + γ) or
   * `'transformer'` (pre-LN Transformer blocks over two tokens, [condition, noisy patch], full attention).
   */
  readonly kind: (typeof DECODER_KINDS)[number];
  /** Residual blocks (mlp) or Transformer blocks (transformer). */
  readonly depth: number;
  /** Hidden width W. */
  readonly width: number;
  /** Attention heads (transformer kind only; must divide `width`; ignored by mlp). */
  readonly heads: number;
  /** D, the patch vector's length (P·P·C). */
  readonly patchDim: number;
  /** C, the backbone output's width. */
  readonly conditionDim: number;
  /** Whether γ is embedded and fed in; `false` makes the decoder blind to the noise level. */
  readonly gammaInput: boolean;
}

/** Defaults of {@link patchDecoderConfig}: an MLP decoder of depth 3 and width 256 (MAR's smallest is 3 × 1024). */
export const PATCH_DECODER_DEFAULTS = {
  kind: 'mlp',
  depth: 3,
  width: 256,
  heads: 4,
  gammaInput: true,
} as const satisfies Partial<PatchDecoderConfig>;

/** The keys of a {@link PatchDecoderConfig}. */
export const PATCH_DECODER_KEYS = ['kind', 'depth', 'width', 'heads', 'patchDim', 'conditionDim', 'gammaInput'] as const;

/**
 * A complete, validated {@link PatchDecoderConfig} from `patchDim`, `conditionDim` and any overrides of
 * {@link PATCH_DECODER_DEFAULTS}. Unknown keys are rejected.
 */
export function patchDecoderConfig(
  partial: Partial<PatchDecoderConfig> & Pick<PatchDecoderConfig, 'patchDim' | 'conditionDim'>,
): PatchDecoderConfig {
  const config = { ...PATCH_DECODER_DEFAULTS, ...partial } as PatchDecoderConfig;
  validatePatchDecoderConfig('patchDecoderConfig', config);
  return config;
}

function positiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/**
 * Throws a {@link SettingError} for the first problem found in a decoder config; its key is the decoder key with
 * `prefix` in front (`decoder.` when the config sits in a head config).
 */
export function validatePatchDecoderConfig(where: string, config: PatchDecoderConfig, prefix = ''): void {
  if (config === null || typeof config !== 'object') {
    throw new SettingError(prefix.replace(/\.$/, ''), `${where}: decoder config must be an object, got ${String(config)}.`);
  }
  checkKnownKeys(where, config, PATCH_DECODER_KEYS, SettingError, prefix);
  checkOneOf(where, `${prefix}kind`, config.kind, DECODER_KINDS);
  for (const k of ['depth', 'width', 'heads', 'patchDim', 'conditionDim'] as const) {
    if (!positiveInt(config[k])) throw new SettingError(prefix + k, `${where}: decoder "${prefix}${k}" must be an integer ≥ 1, got ${JSON.stringify(config[k])}.`);
  }
  if (typeof config.gammaInput !== 'boolean') {
    throw new SettingError(`${prefix}gammaInput`, `${where}: decoder "${prefix}gammaInput" must be true or false, got ${JSON.stringify(config.gammaInput)}.`);
  }
  if (config.kind === 'transformer' && config.width % config.heads !== 0) {
    throw new SettingError(
      `${prefix}heads`,
      `${where}: decoder width ${config.width} must be divisible by heads ${config.heads} for the transformer kind; change ${prefix}width or ${prefix}heads.`,
    );
  }
}
