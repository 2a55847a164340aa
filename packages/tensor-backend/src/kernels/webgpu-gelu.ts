/**
 * The webgpu backend's fused GELU kernels (`DarlGelu`, `DarlBiasGelu` and their gradients, see `ops/gelu.ts`), in
 * WGSL: one elementwise dispatch each way, except bias + GELU's gradient, one dispatch that writes `dx` and sums
 * `dbias` over the rows (a workgroup per block of columns and chunk of rows; with many rows a second dispatch adds
 * the chunks' partial sums). erf is tfjs's Abramowitz–Stegun 7.1.26 formula, the
 * one the composite code runs on every backend.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { BIAS_GELU_GRAD_KERNEL, BIAS_GELU_KERNEL, GELU_GRAD_KERNEL, GELU_KERNEL } from '../ops/gelu.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { dispatchProgram, gridWorkgroups, makeOutput, type DarlProgram, type WebGpuBackend } from './webgpu-program.js';
import { COLUMN_LOOP_BEGIN, COLUMN_LOOP_END, columnWorkgroups, finishColumnSums, laneArrays, laneSums, partialTargets, ROW_LANES, rowChunks } from './webgpu-column-sums.js';

/** What the GELU kernels read: `x` and, with a bias, `bias`. */
type GeluArgs = FusedKernelArgs<'GELU_KERNEL' | 'BIAS_GELU_KERNEL', WebGpuBackend>;
/** What the GELU gradient kernels read: `dy`, `x` and, with a bias, `bias`. */
type GeluGradArgs = FusedKernelArgs<'GELU_GRAD_KERNEL' | 'BIAS_GELU_GRAD_KERNEL', WebGpuBackend>;

const b = tf.backend_util;

/** `gelu(z)` and `gelu'(z) = Φ(z) + z·φ(z)`, with tfjs's erf. */
const GELU_WGSL = `
fn erfAS(a: f32) -> f32 {
  let t = 1.0 / (1.0 + ${b.ERF_P} * abs(a));
  return sign(a) * (1.0 - (((((${b.ERF_A5} * t + ${b.ERF_A4}) * t) + ${b.ERF_A3}) * t + ${b.ERF_A2}) * t + ${b.ERF_A1}) * t * exp(-abs(a) * abs(a)));
}
fn gelu(z: f32) -> f32 { return (z * 0.5) * (erfAS(z * ${Math.SQRT1_2}) + 1.0); }
fn geluGrad(z: f32) -> f32 { return 0.5 * (erfAS(z * ${Math.SQRT1_2}) + 1.0) + z * (${1 / Math.sqrt(2 * Math.PI)} * exp(-0.5 * z * z)); }`;

/** Invocations per workgroup of the elementwise programs. */
const WG = 256;

/** A grid-stride elementwise program over `u.n` elements; `body` sets `out[i]` (the buffers come first). */
function elementwise(key: string, buffers: DarlProgram['buffers'], body: string): DarlProgram {
  return {
    key,
    buffers,
    uniforms: [
      { name: 'n', type: 'u32' },
      { name: 'cols', type: 'u32' },
    ],
    main: `${GELU_WGSL}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < u.n; i = i + nwg.x * ${WG}u) { ${body} }
}`,
  };
}

const out = { name: 'out', write: true };
const x = { name: 'x', write: false };
const dy = { name: 'dy', write: false };
const bias = { name: 'bias', write: false };

const geluProgram = elementwise('gelu', [out, x], 'out[i] = gelu(x[i]);');
const biasGeluProgram = elementwise('bias-gelu', [out, x, bias], 'out[i] = gelu(x[i] + bias[i % u.cols]);');
const geluGradProgram = elementwise('gelu-grad', [out, dy, x], 'out[i] = dy[i] * geluGrad(x[i]);');

/** dx = dy · gelu'(x + bias) [rows, cols], dbias = Σ_rows dx [cols] (or a partial row per chunk of rows). */
const biasGeluGradProgram: DarlProgram = {
  key: 'bias-gelu-grad',
  buffers: [{ name: 'dx', write: true }, { name: 'dbias', write: true }, dy, x, bias],
  uniforms: [
    { name: 'rows', type: 'u32' },
    { name: 'cols', type: 'u32' },
    { name: 'chunkRows', type: 'u32' },
  ],
  main: `${GELU_WGSL}
${laneArrays(['sums'])}
${COLUMN_LOOP_BEGIN}
    var acc = 0.0;
    if (col < u.cols) {
      let bc = bias[col];
      for (var r = r0 + lane; r < r1; r = r + ${ROW_LANES}u) {
        let i = r * u.cols + col;
        let d = dy[i] * geluGrad(x[i] + bc);
        dx[i] = d;
        acc = acc + d;
      }
    }${laneSums(['sums'], ['acc'], ['dbias'])}${COLUMN_LOOP_END}`,
};

/** GELU: input `x` (any shape); with a bias, `x [..., F]`, `bias [F]`. Output `gelu(x [+ bias])`, x's shape. */
function forward(withBias: boolean) {
  return ({ inputs, backend }: GeluArgs): tf.TensorInfo => {
    const { x: xi, bias: bi } = inputs as { x: tf.TensorInfo; bias?: tf.TensorInfo };
    const y = makeOutput(backend, xi.shape);
    const n = tf.util.sizeFromShape(xi.shape);
    if (n > 0) {
      const tensors = withBias ? [y, xi, bi!] : [y, xi];
      const cols = withBias ? (xi.shape.at(-1) as number) : n;
      dispatchProgram(backend, withBias ? biasGeluProgram : geluProgram, tensors, [n, cols], gridWorkgroups(n, WG));
    }
    return y;
  };
}

/** GELU's gradient: inputs `dy`, `x` (and `bias [F]`); output `dx` (and `dbias [F]`, the sum of `dx` over rows). */
function backward(withBias: boolean) {
  return ({ inputs, backend }: GeluGradArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { dy: dyi, x: xi, bias: bi } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; bias?: tf.TensorInfo };
    const dx = makeOutput(backend, xi.shape);
    const n = tf.util.sizeFromShape(xi.shape);
    if (!withBias) {
      if (n > 0) dispatchProgram(backend, geluGradProgram, [dx, dyi, xi], [n, n], gridWorkgroups(n, WG));
      return dx;
    }
    const cols = bi!.shape[0] as number;
    // With 0 rows the bias gradient is zeros.
    if (n === 0) return [dx, backend.makeTensorInfo([cols], 'float32', new Float32Array(cols))];
    const dbias = makeOutput(backend, [cols]);
    const chunks = rowChunks(n / cols, cols);
    const [partial] = partialTargets(backend, [dbias], chunks, cols);
    dispatchProgram(backend, biasGeluGradProgram, [dx, partial!, dyi, xi, bi!], [n / cols, cols, chunks.chunkRows], columnWorkgroups(cols, chunks));
    finishColumnSums(backend, [dbias], [partial!], chunks, cols);
    return [dx, dbias];
  };
}

/** The GELU kernels by tfjs kernel name, for the kernel table's `gelu` entry. */
export function kernels(): FusedKernels<'webgpu', 'gelu', WebGpuBackend> {
  return {
    [GELU_KERNEL]: forward(false),
    [GELU_GRAD_KERNEL]: backward(false),
    [BIAS_GELU_KERNEL]: forward(true),
    [BIAS_GELU_GRAD_KERNEL]: backward(true),
  };
}
