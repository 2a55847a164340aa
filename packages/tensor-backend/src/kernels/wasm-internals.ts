/**
 * The parts of `@tensorflow/tfjs-backend-wasm`'s backend object that darl's wasm kernel overrides use: the
 * Emscripten module (heap views, `cwrap` of the compiled kernels), the tensor registry that maps tfjs data ids to
 * wasm tensor ids and heap offsets, and `makeOutput`/`disposeData` for memory bookkeeping. Typed here because the
 * package does not export its backend class's internals.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';

/** One entry of the wasm backend's data registry. */
export interface WasmTensorData {
  /** The tensor's id on the wasm (C++) side. */
  readonly id: number;
  /** Byte offset of the tensor's values in the wasm heap. */
  readonly memoryOffset: number;
  readonly shape: number[];
  readonly dtype: tf.DataType;
}

/** The Emscripten module of the wasm backend. */
export interface WasmModule {
  readonly HEAPU8: Uint8Array;
  readonly HEAP32: Int32Array;
  readonly HEAPF32: Float32Array;
  cwrap(name: string, returnType: null | 'number', argTypes: readonly string[]): (...args: unknown[]) => unknown;
  readonly tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
}

/** The wasm backend object as its kernels see it. */
export interface WasmBackend {
  readonly wasm: WasmModule;
  dataIdNextNumber: number;
  readonly dataIdMap: { get(dataId: tf.DataId): WasmTensorData };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** The wasm registry entry of a tensor. */
export function wasmData(backend: WasmBackend, t: tf.TensorInfo): WasmTensorData {
  return backend.dataIdMap.get(t.dataId);
}

/** Float32 heap view of a tensor's values (re-read after any allocation: the heap may have grown). */
export function f32View(backend: WasmBackend, t: tf.TensorInfo, size: number): Float32Array {
  const off = wasmData(backend, t).memoryOffset;
  return new Float32Array(backend.wasm.HEAPU8.buffer, off, size);
}

/**
 * Registers a wasm-side tensor id that aliases `size` float32 values at `byteOffset` of the heap, so compiled kernels
 * can read or write a slice of a bigger tensor without a copy. Release it with {@link releaseView} (which does not
 * free the memory: the owning tensor does).
 */
export function registerView(backend: WasmBackend, byteOffset: number, size: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, byteOffset);
  return id;
}

/** Unregisters a view made by {@link registerView} (runs the wasm side's disposal callbacks, e.g. cached operators). */
export function releaseView(backend: WasmBackend, id: number): void {
  backend.wasm.tfjs.disposeData(id);
}

const cwrapCache = new WeakMap<WasmModule, Map<string, (...args: unknown[]) => unknown>>();

/** A compiled wasm kernel function, wrapped once per module instance. */
export function wasmFunction(backend: WasmBackend, name: string, argTypes: readonly string[]): (...args: unknown[]) => unknown {
  let byName = cwrapCache.get(backend.wasm);
  if (!byName) {
    byName = new Map();
    cwrapCache.set(backend.wasm, byName);
  }
  let fn = byName.get(name);
  if (!fn) {
    fn = backend.wasm.cwrap(name, null, argTypes);
    byName.set(name, fn);
  }
  return fn;
}

/** Shape as the byte array the compiled kernels take for `'array'` arguments (int32 per dimension). */
export function shapeBytes(shape: readonly number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}
