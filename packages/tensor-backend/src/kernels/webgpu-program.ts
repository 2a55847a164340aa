/**
 * How darl's fused WebGPU kernels run a WGSL compute shader on the tfjs webgpu backend: compiled once into the
 * backend's pipeline cache, then recorded with the backend's own `recordAndSubmit`, so that they share its command
 * encoder, compute pass, deferred submission, buffer lifetime rules, timers and dispatch counting.
 *
 * Unlike tfjs's `runWebGPUProgram` (one output, every input read-only), a darl program binds several buffers
 * `read_write`: extra outputs (LayerNorm's mean and rstd) and tensors updated in place (AdamW's p, m, v). The
 * layout is binding 0 = the first written buffer, then the other buffers in order, then the uniform buffer, whose
 * leading fields `recordAndSubmit` fills (NaN, ∞, and a size and stride per buffer, every buffer passed as rank 1),
 * followed by the program's own scalar uniforms.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** A compiled compute pipeline (opaque here). */
type ComputePipeline = object;

/** The two `GPUDevice` methods used here. */
interface Device {
  createShaderModule(d: { code: string; label?: string }): unknown;
  createComputePipeline(d: { layout: 'auto'; compute: { module: unknown; entryPoint: string }; label?: string }): ComputePipeline;
}

/**
 * The parts of tfjs-backend-webgpu's `WebGPUBackend` that darl's webgpu kernels use (the package does not export its
 * class's types for Node).
 */
export interface WebGpuBackend {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: readonly ProgramUniform[], output?: tf.TensorInfo): tf.TensorInfo;
  readonly device: Device;
  readonly tensorMap: { get(dataId: tf.DataId): { resource?: unknown; values: unknown; shape: number[] } };
  readonly pipelineCache: Record<string, ComputePipeline | Promise<ComputePipeline>>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  uploadToGPU(dataId: tf.DataId): void;
  disposeData(dataId: tf.DataId): boolean;
  recordAndSubmit(program: unknown, output: tf.TensorInfo, inputs: tf.TensorInfo[], uniforms?: ProgramUniform[]): void;
}

/** One uniform value as `runWebGPUProgram` and `recordAndSubmit` take it. */
export interface ProgramUniform {
  type: 'float32' | 'int32' | 'uint32';
  data: number[];
}

/** A buffer of a program: its WGSL name and whether the shader writes it. */
export interface ProgramBuffer {
  readonly name: string;
  readonly write: boolean;
}

/** A darl WGSL program. */
export interface DarlProgram {
  /** Pipeline cache key; unique per distinct shader source. */
  readonly key: string;
  /** The buffers in binding order; the first must be written (it is `recordAndSubmit`'s output). */
  readonly buffers: readonly ProgramBuffer[];
  /** Scalar uniforms by WGSL name and type, read in the shader as `u.name`. */
  readonly uniforms: readonly { readonly name: string; readonly type: 'f32' | 'u32' }[];
  /** WGSL declarations and the `@compute fn main(...)` entry point; every buffer must be used. */
  readonly main: string;
}

/** The WGSL module of a program: its bindings, its uniform struct, and its code. */
function shaderSource(p: DarlProgram): string {
  const fixed = ['NAN: f32', 'INFINITY: f32', ...p.buffers.flatMap((_, i) => [`size${i}: i32`, `stride${i}: i32`])];
  const fields = [...fixed, ...p.uniforms.map((f) => `${f.name}: ${f.type}`)];
  const bindings = p.buffers.map(
    (b, i) => `@group(0) @binding(${i}) var<storage, ${b.write ? 'read_write' : 'read'}> ${b.name}: array<f32>;`,
  );
  return [
    `struct Uniforms { ${fields.join(', ')} };`,
    ...bindings,
    `@group(0) @binding(${p.buffers.length}) var<uniform> u: Uniforms;`,
    p.main,
  ].join('\n');
}

function pipelineOf(backend: WebGpuBackend, p: DarlProgram): ComputePipeline {
  const key = `darl:${p.key}`;
  let pipeline = backend.pipelineCache[key];
  if (pipeline === undefined) {
    const module = backend.device.createShaderModule({ code: shaderSource(p), label: key });
    pipeline = backend.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
    backend.pipelineCache[key] = pipeline;
  }
  if (pipeline instanceof Promise) throw new Error(`darl webgpu program ${p.key}: its pipeline is still compiling`);
  return pipeline;
}

/** A rank-1 view of a tensor (same buffer), so that each buffer adds exactly two i32 uniforms. */
function flat(t: tf.TensorInfo): tf.TensorInfo {
  return { dataId: t.dataId, shape: [tf.util.sizeFromShape(t.shape)], dtype: t.dtype };
}

/**
 * Records one dispatch of `program` over `workgroups` workgroups, binding `tensors` (float32, in the program's
 * buffer order; the written ones are updated in place) and the uniform `values` (in the program's uniform order).
 * No tensor may be bound twice when one of the bindings writes it. Under `WEBGPU_ENGINE_COMPILE_ONLY` it only
 * compiles the pipeline, as tfjs's programs do.
 */
export function dispatchProgram(
  backend: WebGpuBackend,
  program: DarlProgram,
  tensors: readonly tf.TensorInfo[],
  values: readonly number[],
  workgroups: [number, number, number],
): void {
  if (tensors.length !== program.buffers.length || values.length !== program.uniforms.length) {
    throw new Error(`darl webgpu program ${program.key}: ${tensors.length} buffers and ${values.length} uniforms passed`);
  }
  const pipeline = pipelineOf(backend, program);
  // tfjs's compile-only pass (WEBGPU_ENGINE_COMPILE_ONLY) builds pipelines without running them; so do we (AdamW
  // would otherwise update the variables).
  if (tf.env().getBool('WEBGPU_ENGINE_COMPILE_ONLY')) return;
  for (const t of tensors) backend.uploadToGPU(t.dataId);
  // A read caches a tensor's values on the CPU next to its buffer, and later reads return that copy: drop it for
  // every tensor this dispatch writes, or a read after an in-place update would return the old values.
  program.buffers.forEach((b, i) => {
    if (b.write) backend.tensorMap.get(tensors[i]!.dataId).values = null;
  });
  const uniforms: ProgramUniform[] = program.uniforms.map((f, i) => ({
    type: f.type === 'f32' ? 'float32' : 'uint32',
    data: [values[i] as number],
  }));
  const run = { pipeline, dispatch: workgroups, shaderKey: program.key, constructor: { name: program.key } };
  const [output, ...rest] = tensors.map(flat);
  backend.recordAndSubmit(run, output!, rest, uniforms);
}

/** WebGPU's guaranteed limit on workgroups per dispatch dimension. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/** Workgroups for a grid-stride loop over `count` items, `perWorkgroup` at a time (at least 1). */
export function gridWorkgroups(count: number, perWorkgroup: number): [number, number, number] {
  return [Math.max(1, Math.min(MAX_WORKGROUPS_PER_DIM, Math.ceil(count / perWorkgroup))), 1, 1];
}

/**
 * WGSL of `fn workgroupSum(v: f32, lid: u32) -> f32`: the sum of `v` over a workgroup of `size` (a power of two)
 * invocations, by a tree in workgroup memory; call it from uniform control flow.
 */
export function wgslWorkgroupSum(size: number): string {
  return `
var<workgroup> partial: array<f32, ${size}>;
fn workgroupSum(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}`;
}

/** A float32 output tensor of `shape` for a kernel to fill (an empty one gets its empty values now, as tfjs does). */
export function makeOutput(backend: WebGpuBackend, shape: readonly number[]): tf.TensorInfo {
  const size = tf.util.sizeFromShape([...shape]);
  return backend.makeTensorInfo([...shape], 'float32', size === 0 ? new Float32Array(0) : undefined);
}
