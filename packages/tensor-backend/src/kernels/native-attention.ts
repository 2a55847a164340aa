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
import type { FusedKernelArgs, FusedKernelName, FusedKernels } from './fused-ops.generated.js';
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
  type QkvAttentionAttrs,
} from '../ops/attention-kernels.js';

/** What tfjs passes the native kernel of `C`. */
type Args<C extends FusedKernelName> = FusedKernelArgs<C, WasmBackend>;

type View = NativeView;

const NO_ROPE = { sections: 1, rotateKeys: false, cos: -1, sin: -1 };

/** The attention geometry array of `g` with the views of its tensors (layout declared in the native kernel table). */
function geometryArray(g: AttentionGeometry & { views: readonly View[] }): Float64Array {
  return attentionGeometry(g, g.views);
}

function offsetOf(backend: WasmBackend): (t: tf.TensorInfo) => number {
  return (t) => wasmData(backend, t).memoryOffset;
}

/** `q [N, L, dh]`, `k`, `v [N, S, dh]` → `out [N, L, dh]`, `lse [N, L]`. */
function fusedForward({ inputs: { q, k, v }, backend, attrs: { scale, causal } }: Args<'FUSED_ATTENTION'>): tf.TensorInfo[] {
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

/** `q`, `k`, `v`, `out`, `lse`, `dy` → `dq [N, L, dh]`, `dk`, `dv [N, S, dh]`. */
function fusedBackward({ inputs: { q, k, v, out, lse, dy }, backend, attrs: { scale, causal } }: Args<'FUSED_ATTENTION_GRAD'>): tf.TensorInfo[] {
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

function qkvGeometry(backend: WasmBackend, inputs: Args<'QKV_ATTENTION'>['inputs'], attrs: QkvAttentionAttrs, lse: tf.TensorInfo): AttentionGeometry {
  const off = offsetOf(backend);
  const qkv = inputs.qkv;
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
    cos: rope ? off(inputs.cos!) : -1,
    sin: rope ? off(inputs.sin!) : -1,
    lse: off(lse),
  };
}

/** `qkv [B, L, 3·H·dh]` (and `cos`, `sin [L, dh]`) → `out [B, L, H·dh]`, `lse [B, H, L]`. */
function qkvForward({ inputs, backend, attrs: a }: Args<'QKV_ATTENTION'>): tf.TensorInfo[] {
  const qkv = inputs.qkv;
  const [B, L, D3] = qkv.shape as [number, number, number];
  const out = backend.makeOutput([B, L, D3 / 3], 'float32');
  const lse = backend.makeOutput([B, a.heads, L], 'float32');
  const g = qkvGeometry(backend, inputs, a, lse);
  const off = offsetOf(backend);
  const v = qkvViews(off(qkv), L, a.heads, g.dh);
  nativeKernels().attentionForward(backend.wasm.HEAPU8.buffer, geometryArray({ ...g, views: [v.q, v.k, v.v, v.merged(off(out))] }));
  return [out, lse];
}

/** `qkv`, `out`, `lse`, `dy [B, L, H·dh]` (and the tables) → `dqkv [B, L, 3·H·dh]`. */
function qkvBackward({ inputs, backend, attrs: a }: Args<'QKV_ATTENTION_GRAD'>): tf.TensorInfo[] {
  const { qkv, out, lse, dy } = inputs;
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

/** The grown cache and the lse scratch of a step of `L` new tokens. */
function cacheOutputs(backend: WasmBackend, inputs: { readonly pastKeys?: tf.TensorInfo }, B: number, L: number, H: number, dh: number): tf.TensorInfo[] {
  const S = (inputs.pastKeys ? inputs.pastKeys.shape[1]! : 0) + L;
  return [backend.makeOutput([B * H, S, dh], 'float32'), backend.makeOutput([B * H, S, dh], 'float32'), backend.makeOutput([B * H, L], 'float32')];
}

/** The KV-cache step: `qkv [B, L, 3·H·dh]`, the cache, the tables → `out [B, L, H·dh]`, `keys`, `values [B·H, T + L, dh]`. */
function kvCacheForward({ inputs: x, backend, attrs: a }: Args<'KV_CACHE_ATTENTION'>): tf.TensorInfo[] {
  const [B, L, D3] = x.qkv.shape as [number, number, number];
  const out = backend.makeOutput([B, L, D3 / 3], 'float32');
  const [keys, values, lse] = cacheOutputs(backend, x, B, L, a.heads, D3 / (3 * a.heads));
  kvCacheStep(backend, a, B, L, { ...x, qkv: wasmData(backend, x.qkv).memoryOffset }, keys!, values!, lse!, wasmData(backend, out).memoryOffset);
  backend.disposeData(lse!.dataId);
  return [out, keys!, values!];
}

const ONE_ROW = new Int32Array(1);

/** The KV-cache step with the layer's projections: `x [B, L, D]` and its weights → `out [B, L, D]`, the grown cache. */
function kvCacheLayerForward({ inputs: x, backend, attrs: a }: Args<'KV_CACHE_ATTENTION_LAYER'>): tf.TensorInfo[] {
  const [B, L, D] = x.x.shape as [number, number, number];
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
  linear(off(x.x), x.wqkv, x.bqkv, off(qkv), 3 * D);
  kvCacheStep(backend, a, B, L, { ...x, qkv: off(qkv) }, keys!, values!, lse!, off(merged));
  linear(off(merged), x.wo, x.bo, off(out), D);
  for (const t of [qkv, merged, lse!]) backend.disposeData(t.dataId);
  return [out, keys!, values!];
}

/** The attention kernels by tfjs kernel name, for the kernel table's `attention` entry. */
export function kernels(): FusedKernels<'native', 'attention', WasmBackend> {
  return {
    [FUSED_ATTENTION]: fusedForward,
    [FUSED_ATTENTION_GRAD]: fusedBackward,
    [QKV_ATTENTION]: qkvForward,
    [QKV_ATTENTION_GRAD]: qkvBackward,
    [KV_CACHE_ATTENTION]: kvCacheForward,
    [KV_CACHE_ATTENTION_LAYER]: kvCacheLayerForward,
  };
}
