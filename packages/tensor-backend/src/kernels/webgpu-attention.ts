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
import type { FusedKernelArgs, FusedKernelName, FusedKernels } from './fused-ops.generated.js';
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

/** What tfjs passes the webgpu kernel of `C`. */
type Args<C extends FusedKernelName> = FusedKernelArgs<C, WebGpuBackend>;

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
function qkvGeometry(inputs: Args<'QKV_ATTENTION'>['inputs'], a: QkvAttentionAttrs): { g: AttentionGeometry; data: tf.TensorInfo[] } {
  const qkv = inputs.qkv;
  const [B, L, D3] = qkv.shape as [number, number, number];
  const H = a.heads;
  const sections = inputs.cos ? a.sections : 0;
  const g: AttentionGeometry = { layout: 'qkv', BH: B * H, H, L, S: L, dh: D3 / (3 * H), scale: a.scale, causal: a.causal, sections };
  return { g, data: sections > 0 ? [qkv, inputs.cos!, inputs.sin!] : [qkv] };
}

/** `DarlQkvAttention`: `qkv [B, L, 3·H·dh]` (and `cos`, `sin [L, dh]`) → `out [B, L, H·dh]`, `lse [B, H, L]`. */
function qkvForward({ inputs, backend: b, attrs: a }: Args<'QKV_ATTENTION'>): tf.TensorInfo[] {
  const { g, data } = qkvGeometry(inputs, a);
  const [B, L, D3] = inputs.qkv.shape as [number, number, number];
  const lse = run(b, 'stats', g, data, [B, a.heads, L]);
  const out = run(b, 'values', g, [...data, lse], [B, L, D3 / 3]);
  return [out, lse];
}

/** `DarlQkvAttentionGrad`: `qkv`, `out`, `lse`, `dy [B, L, H·dh]` (and the tables) → `dqkv [B, L, 3·H·dh]`. */
function qkvBackward({ inputs, backend: b, attrs }: Args<'QKV_ATTENTION_GRAD'>): tf.TensorInfo[] {
  const { g, data } = qkvGeometry(inputs, attrs);
  const { out, lse, dy } = inputs;
  const shape = inputs.qkv.shape;
  const dqkv = b.makeTensorInfo(shape, 'float32');
  // Both programs write their parts (q; k and v) of the same tensor.
  run(b, 'dq', g, [...data, out, lse, dy], shape, dqkv);
  run(b, 'dkdv', g, [...data, out, lse, dy], shape, dqkv, 'kv');
  return [dqkv];
}

function splitGeometry(inputs: Args<'FUSED_ATTENTION'>['inputs'], a: FusedAttentionAttrs): AttentionGeometry {
  const [N, L, dh] = inputs.q.shape as [number, number, number];
  const S = inputs.k.shape[1]!;
  return { layout: 'split', BH: N, H: 1, L, S, dh, scale: a.scale, causal: a.causal, sections: 0 };
}

/** `DarlFusedAttention`: `q [N, L, dh]`, `k`, `v [N, S, dh]` → `out [N, L, dh]`, `lse [N, L]`. */
function fusedForward({ inputs, backend: b, attrs }: Args<'FUSED_ATTENTION'>): tf.TensorInfo[] {
  const g = splitGeometry(inputs, attrs);
  const data = [inputs.q, inputs.k, inputs.v];
  const lse = run(b, 'stats', g, data.slice(0, 2), [g.BH, g.L]);
  const out = run(b, 'values', g, [...data, lse], [g.BH, g.L, g.dh]);
  return [out, lse];
}

/** `DarlFusedAttentionGrad`: `q`, `k`, `v`, `out`, `lse`, `dy` → `dq [N, L, dh]`, `dk`, `dv [N, S, dh]`. */
function fusedBackward({ inputs, backend: b, attrs }: Args<'FUSED_ATTENTION_GRAD'>): tf.TensorInfo[] {
  const g = splitGeometry(inputs, attrs);
  const all = [inputs.q, inputs.k, inputs.v, inputs.out, inputs.lse, inputs.dy];
  const dq = run(b, 'dq', g, all, [g.BH, g.L, g.dh]);
  const dk = run(b, 'dkdv', g, all, [g.BH, g.S, g.dh], undefined, 'k');
  const dv = run(b, 'dkdv', g, all, [g.BH, g.S, g.dh], undefined, 'v');
  return [dq, dk, dv];
}

/** The attention kernels by tfjs kernel name, for the kernel table's `attention` entry. */
export function kernels(): FusedKernels<'webgpu', 'attention', WebGpuBackend> {
  return {
    [FUSED_ATTENTION]: fusedForward,
    [FUSED_ATTENTION_GRAD]: fusedBackward,
    [QKV_ATTENTION]: qkvForward,
    [QKV_ATTENTION_GRAD]: qkvBackward,
  };
}
