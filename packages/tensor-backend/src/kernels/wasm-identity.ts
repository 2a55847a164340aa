/**
 * `Identity` and same-dtype `Cast` for the wasm backend without a copy: the output shares the input's data (reference
 * counted), as the cpu backend and the wasm `Reshape` kernel already do. tfjs-core's gradients call both for every
 * pass-through (e.g. `cast(b, 'float32')` in Multiply's gradient), which costs a full copy of each activation on the
 * stock wasm kernels. Tensor data is immutable in tfjs, so sharing it is safe. Also fixes the stock cast to `bool`, which
 * wraps values into a byte (−2.2 → 254) instead of testing `x ≠ 0`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { originalKernel, type KernelArgs, type KernelOverride } from './kernel-registry.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

function share(backend: RefCountingBackend, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function delegate(kernelName: string, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const original = originalKernel(kernelName, 'wasm');
  if (!original) throw new Error(`${kernelName} (darl wasm override): the wasm backend's own kernel is missing.`);
  return original.kernelFunc(args as never);
}

function identityKernel(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return delegate(tf.Identity, args);
  return share(args.backend as RefCountingBackend, x);
}

function castKernel(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const dtype = (args.attrs as unknown as tf.CastAttrs).dtype;
  if (dtype === x.dtype && x.dtype !== 'string') return share(args.backend as RefCountingBackend, x);
  if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) return castToBool(args.backend as WasmBackend, x);
  return delegate(tf.Cast, args);
}

function castToBool(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const out = backend.makeOutput(x.shape, 'bool');
  const n = tf.util.sizeFromShape(x.shape);
  const buf = backend.wasm.HEAPU8.buffer as ArrayBuffer;
  const src = x.dtype === 'float32' ? new Float32Array(buf, wasmData(backend, x).memoryOffset, n) : new Int32Array(buf, wasmData(backend, x).memoryOffset, n);
  const dst = new Uint8Array(buf, wasmData(backend, out).memoryOffset, n);
  for (let i = 0; i < n; i++) dst[i] = (src[i] as number) !== 0 ? 1 : 0;
  return out;
}

/** The wasm `Identity`/`Cast` override; delegates to the stock kernels for strings and real dtype conversions. */
export const wasmIdentityOverride: KernelOverride = {
  name: 'Identity and same-dtype Cast (shared data, no copy)',
  kernels: [
    { kernelName: tf.Identity, kernelFunc: identityKernel as unknown as tf.KernelFunc },
    { kernelName: tf.Cast, kernelFunc: castKernel as unknown as tf.KernelFunc },
  ],
};
