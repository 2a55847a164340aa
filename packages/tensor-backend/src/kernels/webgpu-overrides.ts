/**
 * darl's WebGPU kernel overrides (WGSL programs), in a module of their own that `useBackend('webgpu')` imports on
 * demand, so that bundles of pages and apps that never ask for WebGPU do not carry the shaders.
 *
 * @module
 */
import type { KernelOverride } from './kernel-registry.js';
import { webgpuAttentionOverride } from './webgpu-attention.js';
import { webgpuLayerNormOverride } from './webgpu-layer-norm.js';
import { webgpuGeluOverride } from './webgpu-gelu.js';
import { webgpuAdamWOverride } from './webgpu-adamw.js';

/** The overrides registered for the `webgpu` backend. */
export const WEBGPU_OVERRIDES: readonly KernelOverride[] = [webgpuAttentionOverride, webgpuLayerNormOverride, webgpuGeluOverride, webgpuAdamWOverride];
