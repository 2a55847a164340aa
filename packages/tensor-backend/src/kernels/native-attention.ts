/**
 * darl's fused attention kernels on the native backend: the native addon's attention forward and backward, in place
 * on the wasm backend's heap (the wasm backend's tensors are dense row-major float32, so no copies).
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from './kernel-registry.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';
import { FUSED_ATTENTION, FUSED_ATTENTION_GRAD, type FusedAttentionAttrs } from '../ops/attention-kernels.js';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function checkFloat32(inputs: tf.NamedTensorInfoMap): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t!.dtype !== 'float32') throw new Error(`${FUSED_ATTENTION} (darl native): ${name} must be float32, got ${t!.dtype}.`);
  }
}

function forward({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as WasmBackend;
  checkFloat32(inputs);
  const { q, k, v } = inputs as { q: tf.TensorInfo; k: tf.TensorInfo; v: tf.TensorInfo };
  const { scale, causal } = attrs as unknown as FusedAttentionAttrs;
  const [N, L, dh] = q.shape as [number, number, number];
  const S = k.shape[1]!;
  const out = backend.makeOutput([N, L, dh], 'float32');
  const lse = backend.makeOutput([N, L], 'float32');
  const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
  // The heap is read after makeOutput: allocation may have grown it.
  nativeKernels().attentionForward(backend.wasm.HEAPU8.buffer, off(q), off(k), off(v), off(out), off(lse), N, L, S, dh, scale, causal);
  return [out, lse];
}

function backward({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as WasmBackend;
  checkFloat32(inputs);
  const { q, k, v, out, lse, dy } = inputs as Record<'q' | 'k' | 'v' | 'out' | 'lse' | 'dy', tf.TensorInfo>;
  const { scale, causal } = attrs as unknown as FusedAttentionAttrs;
  const [N, L, dh] = q.shape as [number, number, number];
  const S = k.shape[1]!;
  const dq = backend.makeOutput([N, L, dh], 'float32');
  const dk = backend.makeOutput([N, S, dh], 'float32');
  const dv = backend.makeOutput([N, S, dh], 'float32');
  const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
  nativeKernels().attentionBackward(
    backend.wasm.HEAPU8.buffer,
    off(q), off(k), off(v), off(out), off(lse), off(dy), off(dq), off(dk), off(dv),
    N, L, S, dh, scale, causal,
  );
  return [dq, dk, dv];
}

/** The fused attention kernels of the native backend (darl's own kernel names, absent from stock tfjs). */
export const nativeAttentionOverride: KernelOverride = {
  name: 'fused attention (native, multi-threaded)',
  kernels: [
    { kernelName: FUSED_ATTENTION, kernelFunc: forward as unknown as tf.KernelFunc },
    { kernelName: FUSED_ATTENTION_GRAD, kernelFunc: backward as unknown as tf.KernelFunc },
  ],
};
