/**
 * Transformer configuration: the {@link TransformerConfig} type, the presets table and the validating
 * {@link transformerConfig} constructor.
 *
 * Glossary of shape letters used across this package: `B` batch, `L` tokens in this call, `T` tokens already in a
 * KV cache, `D` width, `H` heads, `dh = D / H` head dimension, `F = D · mlpRatio` MLP hidden width.
 *
 * @module
 */
import { checkKnownKeys, checkOneOf, SettingError } from '@darl/tensor-backend';

/** The position encodings, by name. See the package README for the exact formulas. */
export const POSITION_ENCODINGS = ['rope2d', 'rope1d', 'learned', 'sincos2d', 'none'] as const;

/** How token positions enter the model. */
export type PositionEncoding = (typeof POSITION_ENCODINGS)[number];

/** The weight initialisation schemes. */
export const TRANSFORMER_INITS = ['trunc-normal', 'xavier'] as const;

/** Weight initialisation scheme for every Linear weight (and the learned position table). */
export type TransformerInit = (typeof TRANSFORMER_INITS)[number];

/** Hyper-parameters of a decoder-only Transformer. Readonly and JSON-serialisable. */
export interface TransformerConfig {
  /** Model width `D` (token dimension in and out). */
  readonly width: number;
  /** Number of blocks. */
  readonly depth: number;
  /** Attention heads `H`; `width` must be divisible by it. */
  readonly heads: number;
  /** MLP hidden width as a multiple of `width` (`F = width · mlpRatio`, must be an integer). */
  readonly mlpRatio: number;
  /** LayerNorm epsilon (added to the variance). */
  readonly layerNormEps: number;
  /** Position encoding. */
  readonly position: PositionEncoding;
  /** Longest sequence (incl. KV-cache offset) for `learned` (its table length) and `rope1d`. */
  readonly maxTokens: number;
  /** RoPE frequency base θ (`rope2d`, `rope1d`). */
  readonly ropeBase: number;
  /** `trunc-normal`: N(0, 0.02²) truncated at ±2σ (ViT); `xavier`: Xavier-uniform (MAE). */
  readonly init: TransformerInit;
  /**
   * Stochastic-depth rate of the last block (block `i` of `depth` uses `dropPath · i / (depth − 1)`, the timm
   * linear rule). Only active when `applyTransformer` receives an `rng`.
   */
  readonly dropPath: number;
}

/** Names of the built-in presets. */
export const TRANSFORMER_PRESET_NAMES = ['tiny', 'small', 'vit-s', 'vit-b', 'vit-l', 'vit-h'] as const;

/** Name of a built-in preset. */
export type TransformerPresetName = (typeof TRANSFORMER_PRESET_NAMES)[number];

/** The preset {@link transformerConfig} starts from when none is named (test-sized: name a larger one for real work). */
export const DEFAULT_TRANSFORMER_PRESET: TransformerPresetName = 'tiny';

const COMMON = {
  mlpRatio: 4,
  layerNormEps: 1e-6,
  position: 'rope2d',
  ropeBase: 10_000,
  init: 'trunc-normal',
  dropPath: 0,
} as const;

/**
 * Built-in shapes. `tiny` is test-sized; `small` is docs/DESIGN.md's reference model (width 128, depth 4, 4 heads,
 * MLP 512); `vit-*` are the standard ViT-S/B/L/H shapes (Dosovitskiy et al. 2021, Touvron et al. 2021).
 */
export const TRANSFORMER_PRESETS: Readonly<Record<TransformerPresetName, TransformerConfig>> = Object.freeze({
  tiny: Object.freeze({ ...COMMON, width: 32, depth: 2, heads: 2, maxTokens: 256 }),
  small: Object.freeze({ ...COMMON, width: 128, depth: 4, heads: 4, maxTokens: 256 }),
  'vit-s': Object.freeze({ ...COMMON, width: 384, depth: 12, heads: 6, maxTokens: 1024 }),
  'vit-b': Object.freeze({ ...COMMON, width: 768, depth: 12, heads: 12, maxTokens: 1024 }),
  'vit-l': Object.freeze({ ...COMMON, width: 1024, depth: 24, heads: 16, maxTokens: 1024 }),
  'vit-h': Object.freeze({ ...COMMON, width: 1280, depth: 32, heads: 16, maxTokens: 1024 }),
});

/** The keys of a {@link TransformerConfig}. */
export const TRANSFORMER_CONFIG_KEYS: readonly (keyof TransformerConfig)[] = [
  'width',
  'depth',
  'heads',
  'mlpRatio',
  'layerNormEps',
  'position',
  'maxTokens',
  'ropeBase',
  'init',
  'dropPath',
];
const CONFIG_KEYS = TRANSFORMER_CONFIG_KEYS;

/** Raised by {@link transformerConfig} for an unknown key or an impossible value; `key` names the setting. */
export class TransformerConfigError extends SettingError {
  /** The error's class name, `'TransformerConfigError'`. */
  override name = 'TransformerConfigError';
}

function fail(key: string, message: string): never {
  throw new TransformerConfigError(key, `transformerConfig: ${message}`);
}

function positiveInteger(key: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(key, `"${key}" must be a positive integer, got ${JSON.stringify(v)}.`);
}

function positiveNumber(key: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(key, `"${key}" must be a finite number > 0, got ${JSON.stringify(v)}.`);
}


/**
 * Builds a validated {@link TransformerConfig}: the named `preset` (default {@link DEFAULT_TRANSFORMER_PRESET})
 * overridden by the other keys.
 * Throws a {@link TransformerConfigError} for an unknown key (suggesting the closest valid one), an unknown preset
 * or enum value, or an impossible combination (width not divisible by heads, RoPE needing an even / divisible-by-4
 * head dimension, …), saying what to change.
 *
 * @example
 * const config = transformerConfig({ preset: 'tiny', position: 'learned', maxTokens: 64 });
 */
export function transformerConfig(
  partial: Partial<TransformerConfig> & { readonly preset?: TransformerPresetName } = {},
): TransformerConfig {
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    fail('', `expected an object of settings, got ${JSON.stringify(partial)}.`);
  }
  const where = 'transformerConfig';
  checkKnownKeys(where, partial, ['preset', ...CONFIG_KEYS], TransformerConfigError);
  const { preset = DEFAULT_TRANSFORMER_PRESET, ...overrides } = partial;
  checkOneOf(where, 'preset', preset, TRANSFORMER_PRESET_NAMES, TransformerConfigError);
  const merged: Record<string, unknown> = { ...TRANSFORMER_PRESETS[preset] };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) merged[k] = v;
  const c = merged as unknown as TransformerConfig;

  positiveInteger('width', c.width);
  positiveInteger('depth', c.depth);
  positiveInteger('heads', c.heads);
  positiveInteger('maxTokens', c.maxTokens);
  positiveNumber('mlpRatio', c.mlpRatio);
  positiveNumber('layerNormEps', c.layerNormEps);
  if (!Number.isInteger(c.width * c.mlpRatio)) {
    fail('mlpRatio', `width · mlpRatio must be an integer (the MLP hidden width), got ${c.width} · ${c.mlpRatio} = ${c.width * c.mlpRatio}.`);
  }
  if (typeof c.ropeBase !== 'number' || !Number.isFinite(c.ropeBase) || c.ropeBase <= 1) {
    fail('ropeBase', `"ropeBase" must be a finite number > 1, got ${JSON.stringify(c.ropeBase)}.`);
  }
  if (typeof c.dropPath !== 'number' || !(c.dropPath >= 0 && c.dropPath < 1)) {
    fail('dropPath', `"dropPath" must be a number in [0, 1), got ${JSON.stringify(c.dropPath)}.`);
  }
  checkOneOf(where, 'position', c.position, POSITION_ENCODINGS, TransformerConfigError);
  checkOneOf(where, 'init', c.init, TRANSFORMER_INITS, TransformerConfigError);
  if (c.width % c.heads !== 0) {
    fail('heads', `width ${c.width} is not divisible by heads ${c.heads}; each head gets width / heads channels. Change width or heads.`);
  }
  const headDim = c.width / c.heads;
  if (c.position === 'rope2d' && headDim % 4 !== 0) {
    fail(
      'heads',
      `position "rope2d" needs a head dimension (width / heads = ${c.width} / ${c.heads} = ${headDim}) divisible by 4: ` +
        'half of each head rotates with the row and half with the column, in pairs. Change width or heads, or use "rope1d".',
    );
  }
  if (c.position === 'rope1d' && headDim % 2 !== 0) {
    fail('heads', `position "rope1d" needs an even head dimension (width / heads = ${headDim}): channels rotate in pairs. Change width or heads.`);
  }
  if (c.position === 'sincos2d' && c.width % 4 !== 0) {
    fail('width', `position "sincos2d" needs a width divisible by 4 (sin and cos for rows and columns), got ${c.width}.`);
  }
  const out: Record<string, unknown> = {};
  for (const k of CONFIG_KEYS) out[k] = merged[k];
  return Object.freeze(out) as unknown as TransformerConfig;
}

/** Head dimension `dh = width / heads`. */
export function headDim(config: TransformerConfig): number {
  return config.width / config.heads;
}

/** MLP hidden width `F = width · mlpRatio`. */
export function mlpWidth(config: TransformerConfig): number {
  return Math.round(config.width * config.mlpRatio);
}

/**
 * Number of parameters {@link initTransformer} creates for `config`, computed arithmetically (no tensors), so it
 * works for ViT-H on any machine: per block `4·D² + 4·D` (qkv + output projection with biases) `+ 2·D·F + F + D`
 * (MLP with biases) `+ 4·D` (two LayerNorms); plus `2·D` for the final LayerNorm and `maxTokens·D` for a learned
 * position table.
 */
export function countTransformerParameters(config: TransformerConfig): number {
  const D = config.width;
  const F = mlpWidth(config);
  const block = 4 * D * D + 4 * D + 2 * D * F + F + D + 4 * D;
  return config.depth * block + 2 * D + (config.position === 'learned' ? config.maxTokens * D : 0);
}
