/**
 * darl's fused attention kernels on the native backend: the native addon's attention forward and backward, in place
 * on the wasm backend's heap (the wasm backend's tensors are dense row-major float32, so no copies). The `[N, L, dh]`
 * kernels address heads as batch items; the qkv kernels read q, k and v as strided views of the fused projection
 * `[B, L, 3, H, dh]`, rotate q and k by RoPE as they read them, and write merged heads `[B, L, H, dh]` (and, in the
 * backward pass, `dqkv` in the projection's layout); the KV-cache kernel writes the grown cache and attends to it.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from './kernel-registry.js';
import { attentionGeometry, copyRowsGeometry, type AttentionGeometry, type NativeView } from './native-abi.generated.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';
import {
  FUSED_ATTENTION,
  FUSED_ATTENTION_GRAD,
  KV_CACHE_ATTENTION,
  KV_CACHE_ATTENTION_LAYER,
  QKV_ATTENTION,
  QKV_ATTENTION_GRAD,
  type FusedAttentionAttrs,
  type QkvAttentionAttrs,
} from '../ops/attention-kernels.js';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

type View = NativeView;

const NO_ROPE = { sections: 1, rotateKeys: false, cos: -1, sin: -1 };

/** The attention geometry array of `g` with the views of its tensors (layout declared in the native kernel table). */
function geometryArray(g: AttentionGeometry & { views: readonly View[] }): Float64Array {
  return attentionGeometry(g, g.views);
}

function checkFloat32(kernel: string, inputs: tf.NamedTensorInfoMap): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t!.dtype !== 'float32') throw new Error(`${kernel} (darl native): ${name} must be float32, got ${t!.dtype}.`);
  }
}

function offsetOf(backend: WasmBackend): (t: tf.TensorInfo) => number {
  return (t) => wasmData(backend, t).memoryOffset;
}

function fusedForward({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as WasmBackend;
  checkFloat32(FUSED_ATTENTION, inputs);
  const { q, k, v } = inputs as Record<'q' | 'k' | 'v', tf.TensorInfo>;
  const { scale, causal } = attrs as unknown as FusedAttentionAttrs;
  const [N, L, dh] = q.shape as [number, number, number];
  const S = k.shape[1]!;
  const out = backend.makeOutput([N, L, dh], 'float32');
  const lse = backend.makeOutput([N, L], 'float32');
  const off = offsetOf(backend); // offsets and the heap are read after makeOutput: allocation may grow the heap
  const views = [q, k, v, out].map((t) => [off(t), t.shape[1]! * dh, 0, dh] as View);
  const g = { B: N, H: 1, L, S, dh, scale, causal, ...NO_ROPE, lse: off(lse), views };
  nativeKernels().attentionForward(backend.wasm.HEAPU8.buffer, geometryArray(g));
  return [out, lse];
}

function fusedBackward({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as WasmBackend;
  checkFloat32(FUSED_ATTENTION_GRAD, inputs);
  const { q, k, v, out, lse, dy } = inputs as Record<'q' | 'k' | 'v' | 'out' | 'lse' | 'dy', tf.TensorInfo>;
  const { scale, causal } = attrs as unknown as FusedAttentionAttrs;
  const [N, L, dh] = q.shape as [number, number, number];
  const S = k.shape[1]!;
  const dq = backend.makeOutput([N, L, dh], 'float32');
  const dk = backend.makeOutput([N, S, dh], 'float32');
  const dv = backend.makeOutput([N, S, dh], 'float32');
  const off = offsetOf(backend);
  const tensors = [q, k, v, out, dy, dq, dk, dv];
  const views = tensors.map((t) => [off(t), t.shape[1]! * dh, 0, dh] as View);
  const g = { B: N, H: 1, L, S, dh, scale, causal, ...NO_ROPE, lse: off(lse), views };
  nativeKernels().attentionBackward(backend.wasm.HEAPU8.buffer, geometryArray(g));
  return [dq, dk, dv];
}

/** Views of q, k, v inside `qkv [B, L, 3, H, dh]` (whose values start at byte `base`) and of `[B, L, H, dh]` tensors. */
function qkvViews(base: number, L: number, H: number, dh: number): { q: View; k: View; v: View; merged: (offset: number) => View } {
  const D = H * dh;
  const part = (i: number): View => [base + 4 * i * D, L * 3 * D, dh, 3 * D];
  return { q: part(0), k: part(1), v: part(2), merged: (offset) => [offset, L * D, dh, D] };
}

function qkvGeometry(backend: WasmBackend, inputs: tf.NamedTensorInfoMap, attrs: QkvAttentionAttrs, lse: tf.TensorInfo): AttentionGeometry {
  const off = offsetOf(backend);
  const qkv = inputs.qkv as tf.TensorInfo;
  const [B, L] = qkv.shape as [number, number, number];
  const H = attrs.heads;
  const dh = qkv.shape[2]! / (3 * H);
  const rope = attrs.sections > 0;
  return {
    B, H, L, S: L, dh,
    scale: attrs.scale,
    causal: attrs.causal,
    sections: rope ? attrs.sections : 1,
    rotateKeys: rope,
    cos: rope ? off(inputs.cos as tf.TensorInfo) : -1,
    sin: rope ? off(inputs.sin as tf.TensorInfo) : -1,
    lse: off(lse),
  };
}

function qkvForward({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as WasmBackend;
  checkFloat32(QKV_ATTENTION, inputs);
  const a = attrs as unknown as QkvAttentionAttrs;
  const qkv = inputs.qkv as tf.TensorInfo;
  const [B, L, D3] = qkv.shape as [number, number, number];
  const out = backend.makeOutput([B, L, D3 / 3], 'float32');
  const lse = backend.makeOutput([B, a.heads, L], 'float32');
  const g = qkvGeometry(backend, inputs, a, lse);
  const off = offsetOf(backend);
  const v = qkvViews(off(qkv), L, a.heads, g.dh);
  nativeKernels().attentionForward(backend.wasm.HEAPU8.buffer, geometryArray({ ...g, views: [v.q, v.k, v.v, v.merged(off(out))] }));
  return [out, lse];
}

function qkvBackward({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as WasmBackend;
  checkFloat32(QKV_ATTENTION_GRAD, inputs);
  const a = attrs as unknown as QkvAttentionAttrs;
  const { qkv, out, lse, dy } = inputs as Record<'qkv' | 'out' | 'lse' | 'dy', tf.TensorInfo>;
  const [B, L, D3] = qkv.shape as [number, number, number];
  const dqkv = backend.makeOutput([B, L, D3], 'float32');
  const g = qkvGeometry(backend, inputs, a, lse);
  const off = offsetOf(backend);
  const x = qkvViews(off(qkv), L, a.heads, g.dh);
  const dx = qkvViews(off(dqkv), L, a.heads, g.dh);
  const views = [x.q, x.k, x.v, x.merged(off(out)), x.merged(off(dy)), dx.q, dx.k, dx.v];
  nativeKernels().attentionBackward(backend.wasm.HEAPU8.buffer, geometryArray({ ...g, views }));
  return [dqkv];
}

/** Rows of a `[B·H, S, dh]` tensor as `[B, H, S]` rows, starting at row `from`. */
function headRows(offset: number, H: number, S: number, dh: number, from = 0): View {
  return [offset + 4 * from * dh, H * S * dh, S * dh, dh];
}

interface KvCacheInputs {
  qkv: number;
  pastKeys?: tf.TensorInfo;
  pastValues?: tf.TensorInfo;
  cos?: tf.TensorInfo;
  sin?: tf.TensorInfo;
}

/**
 * The cached attention step on allocated tensors: copies the cache into `keys`/`values [B·H, T + L, dh]`, appends the
 * new tokens' rotated keys and values from the projection at byte offset `x.qkv`, and writes the merged output at
 * byte offset `mergedOff`. Every tensor is allocated before: allocation may grow (move) the heap.
 */
function kvCacheStep(backend: WasmBackend, a: QkvAttentionAttrs, B: number, L: number, x: KvCacheInputs, keys: tf.TensorInfo, values: tf.TensorInfo, lse: tf.TensorInfo, mergedOff: number): void {
  const off = offsetOf(backend);
  const heap = backend.wasm.HEAPU8.buffer;
  const native = nativeKernels();
  const H = a.heads;
  const [, S, dh] = keys.shape as [number, number, number];
  const T = S - L;
  const rope = a.sections > 0 ? { ...NO_ROPE, sections: a.sections, cos: off(x.cos!), sin: off(x.sin!) } : NO_ROPE;
  const copy = ([items, heads, rows]: [number, number, number], r: typeof rope, src: View, dst: View): void =>
    native.copyRows(heap, copyRowsGeometry({ B: items, H: heads, L: rows, dh, sections: r.sections, cos: r.cos, sin: r.sin }, [src, dst]));
  if (T > 0) {
    copy([B * H, 1, T], NO_ROPE, [off(x.pastKeys!), T * dh, 0, dh], headRows(off(keys), 1, S, dh));
    copy([B * H, 1, T], NO_ROPE, [off(x.pastValues!), T * dh, 0, dh], headRows(off(values), 1, S, dh));
  }
  const v = qkvViews(x.qkv, L, H, dh);
  copy([B, H, L], rope, v.k, headRows(off(keys), H, S, dh, T));
  copy([B, H, L], NO_ROPE, v.v, headRows(off(values), H, S, dh, T));
  const views = [v.q, headRows(off(keys), H, S, dh), headRows(off(values), H, S, dh), v.merged(mergedOff)];
  native.attentionForward(heap, geometryArray({ B, H, L, S, dh, scale: a.scale, causal: true, ...rope, rotateKeys: false, lse: off(lse), views }));
}

type KvInputs = Partial<Record<'qkv' | 'x' | 'wqkv' | 'bqkv' | 'wo' | 'bo' | 'pastKeys' | 'pastValues' | 'cos' | 'sin', tf.TensorInfo>>;

/** The grown cache and the lse scratch of a step of `L` new tokens. */
function cacheOutputs(backend: WasmBackend, inputs: KvInputs, B: number, L: number, H: number, dh: number): tf.TensorInfo[] {
  const S = (inputs.pastKeys ? inputs.pastKeys.shape[1]! : 0) + L;
  return [backend.makeOutput([B * H, S, dh], 'float32'), backend.makeOutput([B * H, S, dh], 'float32'), backend.makeOutput([B * H, L], 'float32')];
}

function kvCacheForward({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as WasmBackend;
  checkFloat32(KV_CACHE_ATTENTION, inputs);
  const a = attrs as unknown as QkvAttentionAttrs;
  const x = inputs as KvInputs;
  const [B, L, D3] = x.qkv!.shape as [number, number, number];
  const out = backend.makeOutput([B, L, D3 / 3], 'float32');
  const [keys, values, lse] = cacheOutputs(backend, x, B, L, a.heads, D3 / (3 * a.heads));
  kvCacheStep(backend, a, B, L, { ...x, qkv: wasmData(backend, x.qkv!).memoryOffset }, keys!, values!, lse!, wasmData(backend, out).memoryOffset);
  backend.disposeData(lse!.dataId);
  return [out, keys!, values!];
}

const ONE_ROW = new Int32Array(1);

function kvCacheLayerForward({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as WasmBackend;
  checkFloat32(KV_CACHE_ATTENTION_LAYER, inputs);
  const a = attrs as unknown as QkvAttentionAttrs;
  const x = inputs as KvInputs;
  const [B, L, D] = x.x!.shape as [number, number, number];
  const N = B * L;
  const qkv = backend.makeOutput([B, L, 3 * D], 'float32');
  const merged = backend.makeOutput([B, L, D], 'float32');
  const out = backend.makeOutput([B, L, D], 'float32');
  const [keys, values, lse] = cacheOutputs(backend, x, B, L, a.heads, D / a.heads);
  const off = offsetOf(backend);
  const heap = backend.wasm.HEAPU8.buffer;
  const native = nativeKernels();
  // qkv = x · wqkv + bqkv; the cached attention step; out = merged · wo + bo (bias adds in place, row-broadcast).
  const linear = (inOff: number, w: tf.TensorInfo, bias: tf.TensorInfo, outOff: number, cols: number): void => {
    native.batchMatMul(heap, inOff, off(w), outOff, 1, N, cols, D, false, false, ONE_ROW, ONE_ROW);
    native.binary(heap, 0, outOff, Int32Array.of(cols, 1), off(bias), Int32Array.of(0, 1), outOff, Int32Array.of(N, cols));
  };
  linear(off(x.x!), x.wqkv!, x.bqkv!, off(qkv), 3 * D);
  kvCacheStep(backend, a, B, L, { ...x, qkv: off(qkv) }, keys!, values!, lse!, off(merged));
  linear(off(merged), x.wo!, x.bo!, off(out), D);
  for (const t of [qkv, merged, lse!]) backend.disposeData(t.dataId);
  return [out, keys!, values!];
}

/** The fused attention kernels of the native backend (darl's own kernel names, absent from stock tfjs). */
export const nativeAttentionOverride: KernelOverride = {
  name: 'fused attention (native, multi-threaded)',
  own: true,
  kernels: [
    { kernelName: FUSED_ATTENTION, kernelFunc: fusedForward as unknown as tf.KernelFunc },
    { kernelName: FUSED_ATTENTION_GRAD, kernelFunc: fusedBackward as unknown as tf.KernelFunc },
    { kernelName: QKV_ATTENTION, kernelFunc: qkvForward as unknown as tf.KernelFunc },
    { kernelName: QKV_ATTENTION_GRAD, kernelFunc: qkvBackward as unknown as tf.KernelFunc },
    { kernelName: KV_CACHE_ATTENTION, kernelFunc: kvCacheForward as unknown as tf.KernelFunc },
    { kernelName: KV_CACHE_ATTENTION_LAYER, kernelFunc: kvCacheLayerForward as unknown as tf.KernelFunc },
  ],
};
