/**
 * `@darl/tensor-backend`: choosing a tfjs backend, seeded randomness, shape checks, memory helpers, AdamW and LR
 * schedules, safetensors. Importing it changes no global state.
 *
 * @module
 */
export {
  useBackend,
  backendPackage,
  BackendUnavailableError,
  AUTO_REASONS,
  BACKENDS_FASTEST_FIRST,
  BACKEND_CHOICES,
  type BackendName,
  type BackendInfo,
  type UseBackendOptions,
} from './backend.js';
export type { WebGpuAdapterInfo } from './webgpu-adapter.js';
export { ensureGradients, hasDuplicateTfjs, warnIfDuplicateTfjs } from './tfjs-runtime.js';
export { installKernelOverrides, loadKernelOverrides, uninstallKernelOverrides, type KernelOverride } from './kernels/install.js';
export { UserError, isUserError } from './user-error.js';
export { requireBackend } from './require-backend.js';
export { fusedAttention, type FusedAttentionOptions } from './ops/attention.js';
export { causalMask, MASKED_SCORE } from './ops/attention-mask.js';
export { qkvAttention, type QkvAttentionOptions } from './ops/attention-qkv.js';
export { rotate, type RotaryTables } from './ops/attention-rope.js';
export { splitHeads, mergeHeads } from './ops/attention-heads.js';
export { kvCacheAttention, type KvCacheAttentionOptions, type KvCacheAttentionResult } from './ops/attention-kv-cache.js';
export { kvCacheAttentionLayer, type AttentionLayerWeights } from './ops/attention-kv-cache-layer.js';
export { SettingError, type SettingErrorClass, checkOneOf, checkKnownKeys, closestName, didYouMean, editDistance } from './setting-error.js';
export { Rng, type RngState } from './random.js';
export { assertShape, assertRank, sizeFromShape, ShapeError, type Dim, type DimBindings } from './shapes.js';
export { flattenTree, mapTree, disposeTree, countParameters, liveTensors, tidyData, toVariable, type TensorTree } from './memory.js';
export { AdamW, defaultDecay, type AdamWOptions } from './optim/adamw.js';
export { gradientsByPath } from './optim/gradients-by-path.js';
export { clipByGlobalNorm, clipGradients, gradientSquares } from './optim/clip-by-global-norm.js';
export {
  warmupCosine,
  warmupCosineByProgress,
  constantLr,
  stepLr,
  type LrSchedule,
  type WarmupCosineOptions,
  type StepLrOptions,
  type ProgressLrSchedule,
  type WarmupCosineByProgressOptions,
} from './optim/lr-schedules.js';
export { Ema } from './optim/ema.js';
export { encodeSafetensors, type SafetensorsInput } from './safetensors/encode-safetensors.js';
export { decodeSafetensors, type DecodedSafetensors } from './safetensors/decode-safetensors.js';
export { toTfTensor } from './safetensors/to-tf-tensor.js';
export { SafetensorsError, type SafetensorsDtype, type SafetensorsEntry, type SafetensorsData } from './safetensors/format.js';
export {
  float32ToFloat16Bits,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  bfloat16BitsToFloat32,
  float32ArrayToFloat16Bits,
  float16BitsToFloat32Array,
  float32ArrayToBfloat16Bits,
  bfloat16BitsToFloat32Array,
} from './safetensors/half-precision.js';
export { hasKernel } from './ops/has-kernel.js';
export { countDispatches } from './webgpu-dispatches.js';
export { layerNorm } from './ops/layer-norm.js';
export { gelu, biasGelu } from './ops/gelu.js';
export { linear } from './ops/linear.js';
