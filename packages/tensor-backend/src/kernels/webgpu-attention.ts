/**
 * darl's fused attention kernels on the tfjs webgpu backend (WGSL, see `webgpu-attention-program.ts`). The qkv
 * kernels read q, k and v straight from the fused projection `[B, L, 3·H·dh]`, rotate q and k by RoPE as they read
 * them, and write merged heads `[B, L, H·dh]` (and, backward, `dqkv` in the projection's layout), so no head split,
 * transpose or RoPE op runs. Dispatches: forward 2 (`lse`, then the output), backward 2 (`dq`, then `dk` and `dv`;
 * the `[N, L, dh]` kernels' backward 3, since `dk` and `dv` are separate tensors).
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from './kernel-registry.js';
import { attentionProgram, type AttentionGeometry, type KeyGradWrites, type ProgramKind } from './webgpu-attention-program.js';
import type { WebGpuBackend } from './webgpu-program.js';
import {
  FUSED_ATTENTION,
  FUSED_ATTENTION_GRAD,
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

function checkFloat32(kernel: string, inputs: tf.NamedTensorInfoMap): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t!.dtype !== 'float32') throw new Error(`${kernel} (darl webgpu): ${name} must be float32, got ${t!.dtype}.`);
  }
}

/** Runs one program of `kind` on `inputs`, writing a new tensor of `shape` or into `output`. */
function run(
  backend: WebGpuBackend,
  kind: ProgramKind,
  g: AttentionGeometry,
  inputs: tf.TensorInfo[],
  shape: number[],
  output?: tf.TensorInfo,
  writes?: KeyGradWrites,
): tf.TensorInfo {
  const { program, uniforms } = attentionProgram(kind, g, shape, writes);
  return backend.runWebGPUProgram(program, inputs, 'float32', uniforms, output);
}

/** The geometry of a qkv kernel call, and its data inputs (the projection, then the RoPE tables if any). */
function qkvGeometry(inputs: tf.NamedTensorInfoMap, a: QkvAttentionAttrs): { g: AttentionGeometry; data: tf.TensorInfo[] } {
  const qkv = inputs.qkv as tf.TensorInfo;
  const [B, L, D3] = qkv.shape as [number, number, number];
  const H = a.heads;
  const sections = inputs.cos ? a.sections : 0;
  const g: AttentionGeometry = { layout: 'qkv', BH: B * H, H, L, S: L, dh: D3 / (3 * H), scale: a.scale, causal: a.causal, sections };
  return { g, data: sections > 0 ? [qkv, inputs.cos as tf.TensorInfo, inputs.sin as tf.TensorInfo] : [qkv] };
}

/** `DarlQkvAttention`: `qkv [B, L, 3·H·dh]` (and `cos`, `sin [L, dh]`) → `out [B, L, H·dh]`, `lse [B, H, L]`. */
function qkvForward({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  checkFloat32(QKV_ATTENTION, inputs);
  const b = backend as WebGpuBackend;
  const a = attrs as unknown as QkvAttentionAttrs;
  const { g, data } = qkvGeometry(inputs, a);
  const [B, L, D3] = (inputs.qkv as tf.TensorInfo).shape as [number, number, number];
  const lse = run(b, 'stats', g, data, [B, a.heads, L]);
  const out = run(b, 'values', g, [...data, lse], [B, L, D3 / 3]);
  return [out, lse];
}

/** `DarlQkvAttentionGrad`: `qkv`, `out`, `lse`, `dy [B, L, H·dh]` (and the tables) → `dqkv [B, L, 3·H·dh]`. */
function qkvBackward({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  checkFloat32(QKV_ATTENTION_GRAD, inputs);
  const b = backend as WebGpuBackend;
  const { g, data } = qkvGeometry(inputs, attrs as unknown as QkvAttentionAttrs);
  const { out, lse, dy } = inputs as Record<'out' | 'lse' | 'dy', tf.TensorInfo>;
  const shape = (inputs.qkv as tf.TensorInfo).shape;
  const dqkv = b.makeTensorInfo(shape, 'float32');
  // Both programs write their parts (q; k and v) of the same tensor.
  run(b, 'dq', g, [...data, out, lse, dy], shape, dqkv);
  run(b, 'dkdv', g, [...data, out, lse, dy], shape, dqkv, 'kv');
  return [dqkv];
}

function splitGeometry(inputs: tf.NamedTensorInfoMap, a: FusedAttentionAttrs): AttentionGeometry {
  const [N, L, dh] = (inputs.q as tf.TensorInfo).shape as [number, number, number];
  const S = (inputs.k as tf.TensorInfo).shape[1]!;
  return { layout: 'split', BH: N, H: 1, L, S, dh, scale: a.scale, causal: a.causal, sections: 0 };
}

/** `DarlFusedAttention`: `q [N, L, dh]`, `k`, `v [N, S, dh]` → `out [N, L, dh]`, `lse [N, L]`. */
function fusedForward({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  checkFloat32(FUSED_ATTENTION, inputs);
  const b = backend as WebGpuBackend;
  const g = splitGeometry(inputs, attrs as unknown as FusedAttentionAttrs);
  const data = [inputs.q, inputs.k, inputs.v] as tf.TensorInfo[];
  const lse = run(b, 'stats', g, data.slice(0, 2), [g.BH, g.L]);
  const out = run(b, 'values', g, [...data, lse], [g.BH, g.L, g.dh]);
  return [out, lse];
}

/** `DarlFusedAttentionGrad`: `q`, `k`, `v`, `out`, `lse`, `dy` → `dq [N, L, dh]`, `dk`, `dv [N, S, dh]`. */
function fusedBackward({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  checkFloat32(FUSED_ATTENTION_GRAD, inputs);
  const b = backend as WebGpuBackend;
  const g = splitGeometry(inputs, attrs as unknown as FusedAttentionAttrs);
  const all = [inputs.q, inputs.k, inputs.v, inputs.out, inputs.lse, inputs.dy] as tf.TensorInfo[];
  const dq = run(b, 'dq', g, all, [g.BH, g.L, g.dh]);
  const dk = run(b, 'dkdv', g, all, [g.BH, g.S, g.dh], undefined, 'k');
  const dv = run(b, 'dkdv', g, all, [g.BH, g.S, g.dh], undefined, 'v');
  return [dq, dk, dv];
}

/** The fused attention kernels of the webgpu backend (darl's own kernel names, absent from stock tfjs). */
export const webgpuAttentionOverride: KernelOverride = {
  name: 'fused attention (webgpu, WGSL)',
  own: true,
  kernels: [
    { kernelName: FUSED_ATTENTION, kernelFunc: fusedForward as unknown as tf.KernelFunc },
    { kernelName: FUSED_ATTENTION_GRAD, kernelFunc: fusedBackward as unknown as tf.KernelFunc },
    { kernelName: QKV_ATTENTION, kernelFunc: qkvForward as unknown as tf.KernelFunc },
    { kernelName: QKV_ATTENTION_GRAD, kernelFunc: qkvBackward as unknown as tf.KernelFunc },
  ],
};
