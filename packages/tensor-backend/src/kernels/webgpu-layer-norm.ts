/**
 * The webgpu backend's fused LayerNorm kernels (`DarlLayerNorm` and its gradient `DarlLayerNormGrad`, see
 * `ops/layer-norm.ts`), in WGSL. Forward: one dispatch, one workgroup per row (mean, then the centred variance,
 * then `y`). Backward: one dispatch for `dx` (a workgroup per row), one for `dgamma` and `dbeta` (column sums over
 * the rows; a second one adds the partial sums of row chunks when there are many rows), with the same formulas as
 * the native kernel.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../ops/layer-norm.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { dispatchProgram, gridWorkgroups, makeOutput, wgslWorkgroupSum, type DarlProgram, type WebGpuBackend } from './webgpu-program.js';
import {
  COLUMN_LOOP_BEGIN,
  COLUMN_LOOP_END,
  columnWorkgroups,
  finishColumnSums,
  laneArrays,
  laneSums,
  partialTargets,
  ROW_LANES,
  rowChunks,
} from './webgpu-column-sums.js';

/** Invocations per row. */
const ROW_WG = 64;

const ROW_ENTRY = `@compute @workgroup_size(${ROW_WG})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var row = wg.x; row < u.rows; row = row + nwg.x) {
    let base = row * u.cols;`;

/** y, mean, rstd ← x [rows, cols], gamma [cols], beta [cols]. */
const forwardProgram: DarlProgram = {
  key: 'layer-norm',
  buffers: [
    { name: 'y', write: true },
    { name: 'mean', write: true },
    { name: 'rstd', write: true },
    { name: 'x', write: false },
    { name: 'gamma', write: false },
    { name: 'beta', write: false },
  ],
  uniforms: [
    { name: 'rows', type: 'u32' },
    { name: 'cols', type: 'u32' },
    { name: 'inv', type: 'f32' },
    { name: 'eps', type: 'f32' },
  ],
  main: `${wgslWorkgroupSum(ROW_WG)}
${ROW_ENTRY}
    var s = 0.0;
    for (var c = lid; c < u.cols; c = c + ${ROW_WG}u) { s = s + x[base + c]; }
    let mu = workgroupSum(s, lid) * u.inv;
    var q = 0.0;
    for (var c = lid; c < u.cols; c = c + ${ROW_WG}u) { let d = x[base + c] - mu; q = q + d * d; }
    let rs = 1.0 / sqrt(workgroupSum(q, lid) * u.inv + u.eps);
    for (var c = lid; c < u.cols; c = c + ${ROW_WG}u) { y[base + c] = (x[base + c] - mu) * rs * gamma[c] + beta[c]; }
    if (lid == 0u) { mean[row] = mu; rstd[row] = rs; }
  }
}`,
};

/** dx ← dy, x [rows, cols], gamma [cols], mean, rstd [rows]: `rstd · (g − mean(g) − x̂ · mean(g · x̂))`, g = dy · gamma. */
const dxProgram: DarlProgram = {
  key: 'layer-norm-dx',
  buffers: [
    { name: 'dx', write: true },
    { name: 'dy', write: false },
    { name: 'x', write: false },
    { name: 'gamma', write: false },
    { name: 'mean', write: false },
    { name: 'rstd', write: false },
  ],
  uniforms: [
    { name: 'rows', type: 'u32' },
    { name: 'cols', type: 'u32' },
    { name: 'inv', type: 'f32' },
  ],
  main: `${wgslWorkgroupSum(ROW_WG)}
${ROW_ENTRY}
    let mu = mean[row];
    let rs = rstd[row];
    var a = 0.0;
    var b = 0.0;
    for (var c = lid; c < u.cols; c = c + ${ROW_WG}u) {
      let g = dy[base + c] * gamma[c];
      a = a + g;
      b = b + g * ((x[base + c] - mu) * rs);
    }
    let ma = workgroupSum(a, lid) * u.inv;
    let mb = workgroupSum(b, lid) * u.inv;
    for (var c = lid; c < u.cols; c = c + ${ROW_WG}u) {
      dx[base + c] = rs * (dy[base + c] * gamma[c] - ma - (x[base + c] - mu) * rs * mb);
    }
  }
}`,
};

/** dgamma = Σ_rows dy · x̂, dbeta = Σ_rows dy, each [cols] (or a partial row per chunk of rows). */
const paramGradProgram: DarlProgram = {
  key: 'layer-norm-dparams',
  buffers: [
    { name: 'dgamma', write: true },
    { name: 'dbeta', write: true },
    { name: 'dy', write: false },
    { name: 'x', write: false },
    { name: 'mean', write: false },
    { name: 'rstd', write: false },
  ],
  uniforms: [
    { name: 'rows', type: 'u32' },
    { name: 'cols', type: 'u32' },
    { name: 'chunkRows', type: 'u32' },
  ],
  main: `${laneArrays(['sg', 'sb'])}
${COLUMN_LOOP_BEGIN}
    var ag = 0.0;
    var ab = 0.0;
    if (col < u.cols) {
      for (var r = r0 + lane; r < r1; r = r + ${ROW_LANES}u) {
        let d = dy[r * u.cols + col];
        ag = ag + d * ((x[r * u.cols + col] - mean[r]) * rstd[r]);
        ab = ab + d;
      }
    }${laneSums(['sg', 'sb'], ['ag', 'ab'], ['dgamma', 'dbeta'])}${COLUMN_LOOP_END}`,
};

/** `[rows, cols]` of a `[..., D]` tensor. */
function rowsCols(shape: number[]): [number, number] {
  const cols = shape[shape.length - 1] as number;
  return [cols === 0 ? 0 : tf.util.sizeFromShape(shape) / cols, cols];
}

/** Inputs `x [..., D]`, `gamma [D]`, `beta [D]`; outputs `y [..., D]`, `mean [rows]`, `rstd [rows]`. */
function layerNormKernel({ inputs: { x, gamma, beta }, backend, attrs: { eps } }: FusedKernelArgs<'LAYER_NORM_KERNEL', WebGpuBackend>): tf.TensorInfo[] {
  const [rows, cols] = rowsCols(x.shape);
  const y = makeOutput(backend, x.shape);
  const mean = makeOutput(backend, [rows]);
  const rstd = makeOutput(backend, [rows]);
  if (rows * cols > 0) {
    dispatchProgram(backend, forwardProgram, [y, mean, rstd, x, gamma, beta], [rows, cols, 1 / cols, eps], gridWorkgroups(rows, 1));
  }
  return [y, mean, rstd];
}

/** Inputs `dy, x [..., D]`, `gamma [D]`, `mean, rstd [rows]`; outputs `dx [..., D]`, `dgamma [D]`, `dbeta [D]`. */
function layerNormGradKernel({ inputs: { dy, x, gamma, mean, rstd }, backend }: FusedKernelArgs<'LAYER_NORM_GRAD_KERNEL', WebGpuBackend>): tf.TensorInfo[] {
  const [rows, cols] = rowsCols(x.shape);
  const dx = makeOutput(backend, x.shape);
  if (rows === 0) {
    // No rows: dx is empty and the column sums are zeros.
    return [dx, backend.makeTensorInfo([cols], 'float32', new Float32Array(cols)), backend.makeTensorInfo([cols], 'float32', new Float32Array(cols))];
  }
  const dgamma = makeOutput(backend, [cols]);
  const dbeta = makeOutput(backend, [cols]);
  if (cols > 0) {
    dispatchProgram(backend, dxProgram, [dx, dy, x, gamma, mean, rstd], [rows, cols, 1 / cols], gridWorkgroups(rows, 1));
    const chunks = rowChunks(rows, cols);
    const [pg, pb] = partialTargets(backend, [dgamma, dbeta], chunks, cols);
    dispatchProgram(backend, paramGradProgram, [pg!, pb!, dy, x, mean, rstd], [rows, cols, chunks.chunkRows], columnWorkgroups(cols, chunks));
    finishColumnSums(backend, [dgamma, dbeta], [pg!, pb!], chunks, cols);
  }
  return [dx, dgamma, dbeta];
}

/** The LayerNorm kernels by tfjs kernel name, for the kernel table's `layer-norm` entry. */
export function kernels(): FusedKernels<'webgpu', 'layer-norm', WebGpuBackend> {
  return {
    [LAYER_NORM_KERNEL]: layerNormKernel,
    [LAYER_NORM_GRAD_KERNEL]: layerNormGradKernel,
  };
}
