/**
 * Sums over the rows of a `[rows, cols]` array on the GPU, for the webgpu kernels' parameter gradients (LayerNorm's
 * dgamma and dbeta, bias + GELU's dbias). A workgroup covers {@link COLUMN_BLOCK} columns of one chunk of rows
 * ({@link ROW_LANES} lanes of rows each, adjacent invocations reading adjacent columns); with several chunks (many
 * rows, for enough workgroups to fill a GPU) each chunk writes a partial row and one more dispatch adds them up.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { dispatchProgram, makeOutput, MAX_WORKGROUPS_PER_DIM, type DarlProgram, type WebGpuBackend } from './webgpu-program.js';

/** Columns per workgroup. */
export const COLUMN_BLOCK = 32;
/** Row lanes per column in a workgroup. */
export const ROW_LANES = 8;
/** Invocations per column-sum workgroup. */
export const COLUMN_WG = COLUMN_BLOCK * ROW_LANES;

/** Rows a chunk takes at least (8 per lane), and the workgroups the chunks aim at in all. */
const MIN_CHUNK_ROWS = 64;
const TARGET_WORKGROUPS = 1024;

/** How a column sum splits its rows: `chunks` chunks of `chunkRows` rows (the last may be shorter). */
export interface RowChunks {
  readonly chunks: number;
  readonly chunkRows: number;
}

/** The row chunks for a `[rows, cols]` column sum. */
export function rowChunks(rows: number, cols: number): RowChunks {
  const blocks = Math.ceil(cols / COLUMN_BLOCK);
  const wanted = Math.max(1, Math.min(Math.ceil(rows / MIN_CHUNK_ROWS), Math.floor(TARGET_WORKGROUPS / blocks), MAX_WORKGROUPS_PER_DIM));
  const chunkRows = Math.max(1, Math.ceil(rows / wanted));
  return { chunks: Math.max(1, Math.ceil(rows / chunkRows)), chunkRows };
}

/** Workgroups of a chunked column-sum dispatch: column blocks along x (grid-stride), chunks along y. */
export function columnWorkgroups(cols: number, c: RowChunks): [number, number, number] {
  return [Math.max(1, Math.min(MAX_WORKGROUPS_PER_DIM, Math.ceil(cols / COLUMN_BLOCK))), c.chunks, 1];
}

/**
 * WGSL of the entry point's header: `lane`, and for each column block `col` and this workgroup's rows
 * `r0 ≤ r < r1` (uniforms `rows`, `cols`, `chunkRows`); the caller's code follows, then {@link COLUMN_LOOP_END}.
 */
export const COLUMN_LOOP_BEGIN = `@compute @workgroup_size(${COLUMN_WG})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lane = lid / ${COLUMN_BLOCK}u;
  let r0 = wg.y * u.chunkRows;
  let r1 = min(u.rows, r0 + u.chunkRows);
  let outBase = wg.y * u.cols;
  for (var block = wg.x; block * ${COLUMN_BLOCK}u < u.cols; block = block + nwg.x) {
    let col = block * ${COLUMN_BLOCK}u + lid % ${COLUMN_BLOCK}u;`;

/** Closes {@link COLUMN_LOOP_BEGIN}. */
export const COLUMN_LOOP_END = `
    workgroupBarrier();
  }
}`;

/**
 * WGSL that adds the lanes' values `vals` (one per sum) through workgroup arrays `names` and lets lane 0 write
 * `out[outBase + col]` for each (`outs`). Runs inside the column loop, in uniform control flow.
 */
export function laneSums(names: readonly string[], vals: readonly string[], outs: readonly string[]): string {
  const stores = names.map((n, k) => `${n}[lid] = ${vals[k]};`).join(' ');
  const totals = names.map((n) => `var t_${n} = 0.0;`).join(' ');
  const adds = names.map((n) => `t_${n} = t_${n} + ${n}[l * ${COLUMN_BLOCK}u + lid];`).join(' ');
  const writes = names.map((n, k) => `${outs[k]}[outBase + col] = t_${n};`).join(' ');
  return `
    ${stores}
    workgroupBarrier();
    if (lane == 0u && col < u.cols) {
      ${totals}
      for (var l = 0u; l < ${ROW_LANES}u; l = l + 1u) { ${adds} }
      ${writes}
    }`;
}

/** WGSL declarations of the workgroup arrays `names`. */
export function laneArrays(names: readonly string[]): string {
  return names.map((n) => `var<workgroup> ${n}: array<f32, ${COLUMN_WG}>;`).join('\n');
}

/** out_k[col] = Σ_chunk partial_k[chunk, col], for k < count. */
function chunkSumProgram(count: number): DarlProgram {
  const ks = Array.from({ length: count }, (_, k) => k);
  return {
    key: `column-chunk-sum-${count}`,
    buffers: [...ks.map((k) => ({ name: `out${k}`, write: true })), ...ks.map((k) => ({ name: `partial${k}`, write: false }))],
    uniforms: [
      { name: 'chunks', type: 'u32' },
      { name: 'cols', type: 'u32' },
    ],
    main: `@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var col = gid.x; col < u.cols; col = col + nwg.x * 256u) {
    ${ks.map((k) => `var s${k} = 0.0; for (var c = 0u; c < u.chunks; c = c + 1u) { s${k} = s${k} + partial${k}[c * u.cols + col]; } out${k}[col] = s${k};`).join('\n    ')}
  }
}`,
  };
}

const CHUNK_SUMS = [chunkSumProgram(1), chunkSumProgram(2)];

/**
 * Where a chunked column sum writes: the outputs themselves with one chunk, else new `[chunks, cols]` partial
 * tensors, which {@link finishColumnSums} adds into the outputs and frees.
 */
export function partialTargets(backend: WebGpuBackend, outputs: readonly tf.TensorInfo[], c: RowChunks, cols: number): tf.TensorInfo[] {
  return c.chunks === 1 ? [...outputs] : outputs.map(() => makeOutput(backend, [c.chunks, cols]));
}

/** Adds the partial rows into `outputs` (nothing to do with one chunk) and frees the partials. */
export function finishColumnSums(backend: WebGpuBackend, outputs: readonly tf.TensorInfo[], partials: readonly tf.TensorInfo[], c: RowChunks, cols: number): void {
  if (c.chunks === 1) return;
  const program = CHUNK_SUMS[outputs.length - 1]!;
  dispatchProgram(backend, program, [...outputs, ...partials], [c.chunks, cols], [Math.max(1, Math.min(MAX_WORKGROUPS_PER_DIM, Math.ceil(cols / 256))), 1, 1]);
  for (const p of partials) backend.disposeData(p.dataId);
}
