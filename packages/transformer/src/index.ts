/**
 * `@darl/transformer`: a causal decoder-only Transformer (pre-LN blocks, exact-GELU MLP, 2-D RoPE and other
 * position encodings, KV cache) as config + params + pure functions on TensorFlow.js.
 *
 * @module
 */
export {
  transformerConfig,
  countTransformerParameters,
  headDim,
  mlpWidth,
  TRANSFORMER_PRESETS,
  TRANSFORMER_PRESET_NAMES,
  TRANSFORMER_CONFIG_KEYS,
  DEFAULT_TRANSFORMER_PRESET,
  POSITION_ENCODINGS,
  TRANSFORMER_INITS,
  TransformerConfigError,
  type TransformerConfig,
  type TransformerPresetName,
  type PositionEncoding,
  type TransformerInit,
} from './config.js';
export {
  initTransformer,
  applyTransformer,
  type TransformerParams,
  type ApplyTransformerOptions,
  type TransformerOutput,
} from './transformer.js';
export { createKVCache, disposeKVCache, type KVCache, type KVCacheLayer } from './kv-cache.js';
export { rasterPositions, slicePositions, concatPositions, type TokenPositions } from './positions.js';
export { autoregressiveInputs, type AutoregressiveInputOptions } from './autoregressive-inputs.js';
export { randomPatchMask, patchMaskWeights, gatherVisible, insertMaskTokens, type PatchMask } from './patch-mask.js';
export { decodeStep, decodeLoop, type CachedForward, type DecodeLoopOptions } from './decode-loop.js';
export { initBlock, applyBlock, type BlockParams, type BlockOptions } from './block.js';
export {
  initAttention,
  applyAttention,
  type AttentionParams,
  type AttentionMode,
  type AttentionOptions,
  type PastKeyValues,
} from './attention.js';
export { initMlp, applyMlp, type MlpParams } from './mlp.js';
export { initLinear, applyLinear, type LinearParams, type LinearInit } from './linear.js';
export { initLayerNorm, applyLayerNorm, type LayerNormParams } from './layer-norm.js';
// GELU is tensor-backend's op (fused on the native backend), re-exported as part of this package's API.
export { gelu } from '@darl/tensor-backend';
export { ropeTables, applyRope, type RopeTables } from './rope.js';
export { sincos2dTable } from './sincos-position.js';
export { causalMask, MASKED_SCORE } from '@darl/tensor-backend';
export { dropPath, dropPathRate } from './drop-path.js';
export { TRUNC_NORMAL_STD } from './init.js';
