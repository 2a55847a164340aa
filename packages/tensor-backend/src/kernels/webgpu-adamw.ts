/**
 * The webgpu backend's fused AdamW kernel (`DarlAdamW`, see `ops/adamw-update.ts`), in WGSL: one dispatch per
 * parameter updates `p`, `m` and `v` in place, their GPU buffers bound `read_write` (tfjs's own programs bind
 * inputs read-only and write a fresh output). The op passes only tensors that own their buffer, and nothing is
 * reallocated, so the variables keep their buffers from step to step.
 *
 * A dispatch per parameter, not one for all: WebGPU guarantees only 8 storage buffers per shader stage, and each
 * parameter needs four (p, g, m, v).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_KERNEL, type AdamWKernelAttrs } from '../ops/adamw-update.js';
import type { KernelOverride } from './kernel-registry.js';
import { dispatchProgram, gridWorkgroups, type DarlProgram, type WebGpuBackend } from './webgpu-program.js';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

const WG = 256;

/** p, m, v (updated in place) and g, all `[n]`; the same operations in the same order as the composite update. */
const adamwProgram: DarlProgram = {
  key: 'adamw',
  buffers: [
    { name: 'p', write: true },
    { name: 'm', write: true },
    { name: 'v', write: true },
    { name: 'g', write: false },
  ],
  uniforms: [
    { name: 'n', type: 'u32' },
    { name: 'decay', type: 'f32' },
    { name: 'stepScale', type: 'f32' },
    { name: 'beta1', type: 'f32' },
    { name: 'oneMinusBeta1', type: 'f32' },
    { name: 'beta2', type: 'f32' },
    { name: 'oneMinusBeta2', type: 'f32' },
    { name: 'sqrtBias2', type: 'f32' },
    { name: 'eps', type: 'f32' },
  ],
  main: `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < u.n; i = i + nwg.x * ${WG}u) {
    let gi = g[i];
    let mi = m[i] * u.beta1 + gi * u.oneMinusBeta1;
    let vi = v[i] * u.beta2 + (gi * gi) * u.oneMinusBeta2;
    m[i] = mi;
    v[i] = vi;
    let denom = sqrt(vi) / u.sqrtBias2 + u.eps;
    p[i] = p[i] * u.decay - (mi / denom) * u.stepScale;
  }
}`,
};

/** Inputs `p0, g0, m0, v0, p1, …` (float32; each quadruple of one size); no outputs. */
function adamwKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WebGpuBackend;
  const a = args.attrs as unknown as AdamWKernelAttrs;
  const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
  for (let i = 0; i < a.decay.length; i++) {
    const [p, g, m, v] = ['p', 'g', 'm', 'v'].map((name) => inputs[`${name}${i}`]);
    const n = tf.util.sizeFromShape(p!.shape);
    if ([p, g, m, v].some((t) => !t || t.dtype !== 'float32' || tf.util.sizeFromShape(t.shape) !== n)) {
      throw new Error(`${ADAMW_KERNEL}: the operands of parameter ${i} are missing or not float32 of ${n} values.`);
    }
    // Bound read_write and read in one dispatch, a shared buffer would be a WebGPU validation error.
    if ([p, m, v].some((t) => t!.dataId === g!.dataId)) throw new Error(`${ADAMW_KERNEL}: the gradient of parameter ${i} is its parameter or moment tensor.`);
    if (n === 0) continue;
    const values = [n, a.decay[i]!, a.stepScale[i]!, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.sqrtBias2, a.eps];
    dispatchProgram(backend, adamwProgram, [p!, m!, v!, g!], values, gridWorkgroups(n, WG));
  }
  return [];
}

/** Fused AdamW, in place, one dispatch per parameter (WGSL on the webgpu backend). */
export const webgpuAdamWOverride: KernelOverride = {
  name: 'AdamW (webgpu fused, in place, one dispatch per parameter)',
  own: true,
  kernels: [{ kernelName: ADAMW_KERNEL, kernelFunc: adamwKernel as unknown as tf.KernelFunc }],
};
