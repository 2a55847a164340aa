/**
 * Transformer configuration: the {@link TransformerConfig} type, the presets table and the validating
 * {@link transformerConfig} constructor.
 *
 * Glossary of shape letters used across this package: `B` batch, `L` tokens in this call, `T` tokens already in a
 * KV cache, `D` width, `H` heads, `dh = D / H` head dimension, `F = D · mlpRatio` MLP hidden width.
 *
 * @module
 */
import { UserError } from '@darl/tensor-backend';

/** How token positions enter the model. See the package README for the exact formulas. */
export type PositionEncoding = 'rope2d' | 'rope1d' | 'learned' | 'sincos2d' | 'none';

/** Weight initialisation scheme for every Linear weight (and the learned position table). */
export type TransformerInit = 'trunc-normal' | 'xavier';

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
export type TransformerPresetName = 'tiny' | 'small' | 'vit-s' | 'vit-b' | 'vit-l' | 'vit-h';

const COMMON = {
  mlpRatio: 4,
  layerNormEps: 1e-6,
  position: 'rope2d',
  ropeBase: 10_000,
  init: 'trunc-normal',
  dropPath: 0,
} as const;

/**
 * Built-in shapes. `tiny` is test-sized; `small` is DESIGN.md's reference model (width 128, depth 4, 4 heads,
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

const CONFIG_KEYS: readonly (keyof TransformerConfig)[] = [
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
const POSITIONS: readonly PositionEncoding[] = ['rope2d', 'rope1d', 'learned', 'sincos2d', 'none'];
const INITS: readonly TransformerInit[] = ['trunc-normal', 'xavier'];

/** Raised by {@link transformerConfig} for an unknown key or an impossible value. */
export class TransformerConfigError extends UserError {
  override readonly name = 'TransformerConfigError';
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The candidate closest to `name` by edit distance (case-insensitive). */
export function closestName(name: string, candidates: readonly string[]): string {
  let best = candidates[0]!;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function fail(message: string): never {
  throw new TransformerConfigError(`transformerConfig: ${message}`);
}

function positiveInteger(key: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(`"${key}" must be a positive integer, got ${JSON.stringify(v)}.`);
}

function positiveNumber(key: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(`"${key}" must be a finite number > 0, got ${JSON.stringify(v)}.`);
}

/**
 * Builds a validated {@link TransformerConfig}: the named `preset` (default `small`) overridden by the other keys.
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
    fail(`expected an object of settings, got ${JSON.stringify(partial)}.`);
  }
  for (const key of Object.keys(partial)) {
    if (key === 'preset' || (CONFIG_KEYS as readonly string[]).includes(key)) continue;
    fail(
      `unknown key "${key}"; did you mean "${closestName(key, [...CONFIG_KEYS, 'preset'])}"? ` +
        `Valid keys: preset, ${CONFIG_KEYS.join(', ')}.`,
    );
  }
  const { preset = 'small', ...overrides } = partial;
  const presetNames = Object.keys(TRANSFORMER_PRESETS);
  if (!presetNames.includes(preset)) {
    fail(`unknown preset "${String(preset)}"; did you mean "${closestName(String(preset), presetNames)}"? Presets: ${presetNames.join(', ')}.`);
  }
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
    fail(`width · mlpRatio must be an integer (the MLP hidden width), got ${c.width} · ${c.mlpRatio} = ${c.width * c.mlpRatio}.`);
  }
  if (typeof c.ropeBase !== 'number' || !Number.isFinite(c.ropeBase) || c.ropeBase <= 1) {
    fail(`"ropeBase" must be a finite number > 1, got ${JSON.stringify(c.ropeBase)}.`);
  }
  if (typeof c.dropPath !== 'number' || !(c.dropPath >= 0 && c.dropPath < 1)) {
    fail(`"dropPath" must be a number in [0, 1), got ${JSON.stringify(c.dropPath)}.`);
  }
  if (!POSITIONS.includes(c.position)) {
    fail(
      `unknown position encoding "${String(c.position)}"; did you mean "${closestName(String(c.position), POSITIONS)}"? ` +
        `Choose one of: ${POSITIONS.join(', ')}.`,
    );
  }
  if (!INITS.includes(c.init)) {
    fail(`unknown init "${String(c.init)}"; did you mean "${closestName(String(c.init), INITS)}"? Choose one of: ${INITS.join(', ')}.`);
  }
  if (c.width % c.heads !== 0) {
    fail(`width ${c.width} is not divisible by heads ${c.heads}; each head gets width / heads channels. Change width or heads.`);
  }
  const headDim = c.width / c.heads;
  if (c.position === 'rope2d' && headDim % 4 !== 0) {
    fail(
      `position "rope2d" needs a head dimension (width / heads = ${c.width} / ${c.heads} = ${headDim}) divisible by 4: ` +
        'half of each head rotates with the row and half with the column, in pairs. Change width or heads, or use "rope1d".',
    );
  }
  if (c.position === 'rope1d' && headDim % 2 !== 0) {
    fail(`position "rope1d" needs an even head dimension (width / heads = ${headDim}): channels rotate in pairs. Change width or heads.`);
  }
  if (c.position === 'sincos2d' && c.width % 4 !== 0) {
    fail(`position "sincos2d" needs a width divisible by 4 (sin and cos for rows and columns), got ${c.width}.`);
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
