/**
 * The webgpu backend's fused sum-of-squares kernel (`DarlSumSquares`, see `ops/sum-squares.ts`), in WGSL: `Σ x²` of
 * up to seven tensors per dispatch (WebGPU guarantees 8 storage buffers per shader stage: the seven inputs and the
 * sums). Each workgroup reduces one chunk of one tensor (a workgroup per chunk along x, per tensor along y); when a
 * tensor spans several chunks, a second dispatch adds the chunks' partial sums. float32 throughout (WGSL has no
 * float64), summed as a tree, so the relative error of each sum stays within a few dozen roundings.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { SUM_SQUARES_KERNEL } from '../ops/sum-squares.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { dispatchProgram, makeOutput, MAX_WORKGROUPS_PER_DIM, wgslWorkgroupSum, type DarlProgram, type WebGpuBackend } from './webgpu-program.js';

/** Invocations per workgroup. */
const WG = 256;
/** Elements a workgroup sums at least (8 per invocation) before a tensor takes another chunk. */
const CHUNK = 8 * WG;
/** Tensors per dispatch: 8 guaranteed storage buffers, one for the sums. */
const PER_DISPATCH = 7;

/** dst[base + j·chunks + chunk] = Σ x_j² over the chunk's elements, for the `k` tensors x_j of a dispatch. */
function chunkProgram(k: number): DarlProgram {
  const js = Array.from({ length: k }, (_, j) => j);
  const loop = (j: number): string =>
    `if (wg.y == ${j}u) { for (var i = begin + lid; i < min(u.n${j}, end); i = i + ${WG}u) { let v = x${j}[i]; acc = acc + v * v; } }`;
  return {
    key: `sum-squares-${k}`,
    buffers: [{ name: 'dst', write: true }, ...js.map((j) => ({ name: `x${j}`, write: false }))],
    uniforms: [
      { name: 'base', type: 'u32' },
      { name: 'chunks', type: 'u32' },
      { name: 'chunkLen', type: 'u32' },
      ...js.map((j) => ({ name: `n${j}`, type: 'u32' as const })),
    ],
    main: `${wgslWorkgroupSum(WG)}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let begin = wg.x * u.chunkLen;
  let end = begin + u.chunkLen;
  var acc = 0.0;
  ${js.map(loop).join('\n  ')}
  let total = workgroupSum(acc, lid);
  if (lid == 0u) { dst[u.base + wg.y * u.chunks + wg.x] = total; }
}`,
  };
}

/** out[base + j] = Σ_chunk chunkSums[j·chunks + chunk], one workgroup per tensor j. */
const finishProgram: DarlProgram = {
  key: 'sum-squares-finish',
  buffers: [
    { name: 'out', write: true },
    { name: 'chunkSums', write: false },
  ],
  uniforms: [
    { name: 'base', type: 'u32' },
    { name: 'chunks', type: 'u32' },
  ],
  main: `${wgslWorkgroupSum(WG)}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  var acc = 0.0;
  for (var c = lid; c < u.chunks; c = c + ${WG}u) { acc = acc + chunkSums[wg.x * u.chunks + c]; }
  let total = workgroupSum(acc, lid);
  if (lid == 0u) { out[u.base + wg.x] = total; }
}`,
};

const PROGRAMS = Array.from({ length: PER_DISPATCH }, (_, k) => chunkProgram(k + 1));

/** Writes the sums of `group` (tensors `start …` of the kernel's inputs, and their sizes) into `out[start …]`. */
function sumGroup(backend: WebGpuBackend, group: readonly { tensor: tf.TensorInfo; size: number }[], out: tf.TensorInfo, start: number): void {
  const sizes = group.map((g) => g.size);
  const chunks = Math.max(1, Math.min(MAX_WORKGROUPS_PER_DIM, Math.ceil(Math.max(...sizes) / CHUNK)));
  const chunkLen = Math.max(1, Math.ceil(Math.max(...sizes) / chunks));
  // One chunk per tensor: the sums go straight to the output; else to partial sums, added by a second dispatch.
  const partial = chunks === 1 ? out : makeOutput(backend, [group.length * chunks]);
  const base = chunks === 1 ? start : 0;
  dispatchProgram(backend, PROGRAMS[group.length - 1]!, [partial, ...group.map((g) => g.tensor)], [base, chunks, chunkLen, ...sizes], [chunks, group.length, 1]);
  if (chunks === 1) return;
  dispatchProgram(backend, finishProgram, [out, partial], [start, chunks], [group.length, 1, 1]);
  backend.disposeData(partial.dataId);
}

/** Inputs `x0, x1, …` (float32, any shapes); output `sums [count]`. */
function sumSquaresKernel({ inputs, backend, attrs: { count } }: FusedKernelArgs<'SUM_SQUARES_KERNEL', WebGpuBackend>): tf.TensorInfo {
  const xs = Array.from({ length: count }, (_, i) => inputs[`x${i}`]);
  if (xs.some((x) => x === undefined)) throw new Error(`${SUM_SQUARES_KERNEL}: ${count} inputs x0 … x${count - 1} expected.`);
  const out = makeOutput(backend, [count]);
  // WebGPU cannot bind an empty buffer: an empty tensor is bound as a one-value stand-in, read 0 times (its size).
  const empty = xs.some((x) => tf.util.sizeFromShape(x!.shape) === 0) ? backend.makeTensorInfo([1], 'float32', new Float32Array(1)) : undefined;
  const bound = xs.map((x) => ({ tensor: tf.util.sizeFromShape(x!.shape) === 0 ? empty! : x!, size: tf.util.sizeFromShape(x!.shape) }));
  for (let start = 0; start < count; start += PER_DISPATCH) sumGroup(backend, bound.slice(start, start + PER_DISPATCH), out, start);
  if (empty) backend.disposeData(empty.dataId);
  return out;
}

/** The sum-of-squares kernel by tfjs kernel name, for the kernel table's `sum-squares` entry. */
export function kernels(): FusedKernels<'webgpu', 'sum-squares', WebGpuBackend> {
  return { [SUM_SQUARES_KERNEL]: sumSquaresKernel };
}
