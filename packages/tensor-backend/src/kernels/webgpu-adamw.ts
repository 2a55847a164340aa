/**
 * The webgpu backend's fused AdamW kernel (`DarlAdamW`, see `ops/adamw-update.ts`), in WGSL: one dispatch per
 * two parameters updates their `p`, `m` and `v` in place, the GPU buffers bound `read_write` (tfjs's own programs
 * bind inputs read-only and write a fresh output). The op passes only tensors that own their buffer, and nothing is
 * reallocated, so the variables keep their buffers from step to step.
 *
 * Two parameters per dispatch, not all in one: WebGPU guarantees only 8 storage buffers per shader stage, and each
 * parameter needs four (p, g, m, v).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_KERNEL, type AdamWKernelAttrs } from '../ops/adamw-update.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { dispatchProgram, gridWorkgroups, type DarlProgram, type WebGpuBackend } from './webgpu-program.js';

const WG = 256;

/** Parameters per dispatch: four storage buffers each, and WebGPU guarantees 8 per shader stage. */
const PER_DISPATCH = 2;

/** The constants shared by every parameter, after each parameter's `n`, `decay` and `stepScale`. */
const CONSTANTS = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'sqrtBias2', 'eps'] as const;

/** The update of parameter `j` at element `i`: the same operations in the same order as the composite update. */
function updateWgsl(j: number): string {
  return `if (i < u.n${j}) {
      let gi = g${j}[i];
      let mi = m${j}[i] * u.beta1 + gi * u.oneMinusBeta1;
      let vi = v${j}[i] * u.beta2 + (gi * gi) * u.oneMinusBeta2;
      m${j}[i] = mi;
      v${j}[i] = vi;
      let denom = sqrt(vi) / u.sqrtBias2 + u.eps;
      p${j}[i] = p${j}[i] * u.decay${j} - (mi / denom) * u.stepScale${j};
    }`;
}

/** Updates `k` parameters in place: `p, m, v` of each bound read_write, then the gradients; each of its own size. */
function adamwProgram(k: number): DarlProgram {
  const js = Array.from({ length: k }, (_, j) => j);
  return {
    key: `adamw-${k}`,
    buffers: [
      ...js.flatMap((j) => ['p', 'm', 'v'].map((name) => ({ name: `${name}${j}`, write: true }))),
      ...js.map((j) => ({ name: `g${j}`, write: false })),
    ],
    uniforms: [
      { name: 'count', type: 'u32' },
      ...js.flatMap((j) => [
        { name: `n${j}`, type: 'u32' as const },
        { name: `decay${j}`, type: 'f32' as const },
        { name: `stepScale${j}`, type: 'f32' as const },
      ]),
      ...CONSTANTS.map((name) => ({ name, type: 'f32' as const })),
    ],
    main: `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < u.count; i = i + nwg.x * ${WG}u) {
    ${js.map(updateWgsl).join('\n    ')}
  }
}`,
  };
}

const PROGRAMS = Array.from({ length: PER_DISPATCH }, (_, k) => adamwProgram(k + 1));

/** One parameter's operands and scalars. */
interface Item {
  readonly p: tf.TensorInfo;
  readonly g: tf.TensorInfo;
  readonly m: tf.TensorInfo;
  readonly v: tf.TensorInfo;
  readonly n: number;
  readonly decay: number;
  readonly stepScale: number;
}

/** The operands of parameter `i`, checked (a failed check is a bug in darl's op). */
function itemOf(inputs: FusedKernelArgs<'ADAMW_KERNEL', WebGpuBackend>['inputs'], a: AdamWKernelAttrs, i: number): Item {
  const [p, g, m, v] = [inputs[`p${i}`], inputs[`g${i}`], inputs[`m${i}`], inputs[`v${i}`]];
  const n = tf.util.sizeFromShape(p!.shape);
  if ([p, g, m, v].some((t) => !t || t.dtype !== 'float32' || tf.util.sizeFromShape(t.shape) !== n)) {
    throw new Error(`${ADAMW_KERNEL}: the operands of parameter ${i} are missing or not float32 of ${n} values.`);
  }
  // Bound read_write and read in one dispatch, a shared buffer would be a WebGPU validation error.
  if ([p, m, v].some((t) => t!.dataId === g!.dataId)) throw new Error(`${ADAMW_KERNEL}: the gradient of parameter ${i} is its parameter or moment tensor.`);
  return { p: p!, g: g!, m: m!, v: v!, n, decay: a.decay[i]!, stepScale: a.stepScale[i]! };
}

/** Inputs `p0, g0, m0, v0, p1, …` (float32; each quadruple of one size); no outputs. */
function adamwKernel({ inputs, backend, attrs: a }: FusedKernelArgs<'ADAMW_KERNEL', WebGpuBackend>): tf.TensorInfo[] {
  const items = a.decay.map((_, i) => itemOf(inputs, a, i)).filter((it) => it.n > 0);
  const constants = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.sqrtBias2, a.eps];
  for (let start = 0; start < items.length; start += PER_DISPATCH) {
    const group = items.slice(start, start + PER_DISPATCH);
    const count = Math.max(...group.map((it) => it.n));
    const tensors = [...group.flatMap((it) => [it.p, it.m, it.v]), ...group.map((it) => it.g)];
    const values = [count, ...group.flatMap((it) => [it.n, it.decay, it.stepScale]), ...constants];
    dispatchProgram(backend, PROGRAMS[group.length - 1]!, tensors, values, gridWorkgroups(count, WG));
  }
  return [];
}

/** The AdamW kernel by tfjs kernel name, for the kernel table's `adamw` entry. */
export function kernels(): FusedKernels<'webgpu', 'adamw', WebGpuBackend> {
  return { [ADAMW_KERNEL]: adamwKernel };
}
