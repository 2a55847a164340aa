/**
 * darl's kernel overrides: faster implementations of hot tfjs kernels, registered for a backend when
 * {@link useBackend} selects it. Model code stays plain `tf` code.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../backend-name.js';
import { originals, type KernelOverride } from './kernel-registry.js';
import { wasmBatchMatMulOverride } from './wasm-batch-mat-mul.js';
import { wasmTransposeOverride } from './wasm-transpose.js';
import { wasmTanhOverride } from './wasm-tanh.js';
import { wasmIdentityOverride } from './wasm-identity.js';
import { wasmUnsortedSegmentSumOverride } from './wasm-unsorted-segment-sum.js';

export { originalKernel, type KernelOverride } from './kernel-registry.js';

/** The overrides of each backend; native's and webgpu's are imported on demand by {@link loadKernelOverrides}. */
const OVERRIDES: Partial<Record<BackendName, readonly KernelOverride[]>> = {
  wasm: [
    wasmBatchMatMulOverride,
    wasmTransposeOverride,
    wasmTanhOverride,
    wasmIdentityOverride,
    wasmUnsortedSegmentSumOverride,
  ],
};

/**
 * Loads the overrides of a backend whose kernels are imported on demand: native's (the addon's kernels, which run
 * only under Node) and webgpu's (WGSL programs), so that browser bundles that never ask for them do not load them.
 * {@link useBackend} calls it before {@link installKernelOverrides}. A no-op for the other backends.
 */
export async function loadKernelOverrides(backend: BackendName): Promise<void> {
  if (OVERRIDES[backend] !== undefined) return;
  // The native backend is the wasm backend's tensors: it shares the wasm overrides its addon does not replace.
  const shared = [wasmTransposeOverride, wasmTanhOverride, wasmIdentityOverride, wasmUnsortedSegmentSumOverride];
  if (backend === 'native') OVERRIDES.native = [...(await import('./native-overrides.js')).NATIVE_OVERRIDES, ...shared];
  if (backend === 'webgpu') OVERRIDES.webgpu = (await import('./webgpu-fused.generated.js')).WEBGPU_FUSED_OVERRIDES;
}

/** The tfjs backend whose kernels darl's `backend` overrides. */
export function tfjsBackendOf(backend: BackendName): string {
  if (backend === 'node' || backend === 'node-gpu') return 'tensorflow';
  return backend === 'native' ? 'wasm' : backend;
}

/** Kernel configs darl has registered, by `tfjsBackend/kernelName`. */
const installed = new Map<string, Omit<tf.KernelConfig, 'backendName'>>();

/** Whether `kernelName` is one of darl's own (fused) kernels, which no tfjs op calls. */
function isOwnKernel(kernelName: string): boolean {
  return Object.values(OVERRIDES).some((list) => list.some((o) => o.own === true && o.kernels.some((k) => k.kernelName === kernelName)));
}

/**
 * Puts the backend's own kernel back in place of darl's, or removes one of darl's own kernels; false if the backend
 * had none (the override then stays).
 */
function restore(key: string): boolean {
  const original = originals.get(key);
  if (original === undefined) {
    const kernelName = key.slice(key.indexOf('/') + 1);
    if (!isOwnKernel(kernelName)) return false;
    tf.unregisterKernel(kernelName, key.slice(0, key.indexOf('/')));
    installed.delete(key);
    return true;
  }
  tf.unregisterKernel(original.kernelName, original.backendName);
  tf.registerKernel(original);
  originals.delete(key);
  installed.delete(key);
  return true;
}

/**
 * Registers darl's overrides for `backend` (the backend's original kernels are replaced; switching between darl
 * backends that share a tfjs backend, such as `wasm` and `native`, swaps the overrides). Returns the names of the
 * overrides in effect. The native and webgpu overrides are imported on demand: call it for those after `useBackend`
 * selected them (which installs them itself) or after `await loadKernelOverrides(backend)`.
 */
export function installKernelOverrides(backend: BackendName): string[] {
  const overrides = OVERRIDES[backend] ?? [];
  const tfjsName = tfjsBackendOf(backend);
  const wanted = new Map<string, Omit<tf.KernelConfig, 'backendName'>>(
    overrides.flatMap((o) => o.kernels.map((k) => [`${tfjsName}/${k.kernelName}`, k] as [string, Omit<tf.KernelConfig, 'backendName'>])),
  );
  for (const key of [...installed.keys()]) if (key.startsWith(`${tfjsName}/`) && !wanted.has(key)) restore(key);
  for (const [key, k] of wanted) {
    if (installed.get(key) === k) continue;
    const current = tf.getKernel(k.kernelName, tfjsName);
    if (current != null) {
      if (!installed.has(key)) originals.set(key, current);
      tf.unregisterKernel(k.kernelName, tfjsName);
    }
    tf.registerKernel({ ...k, backendName: tfjsName } as tf.KernelConfig);
    installed.set(key, k);
  }
  for (const g of overrides.flatMap((o) => o.gradients ?? [])) if (tf.getGradient(g.kernelName) !== g) tf.registerGradient(g);
  return overrides.map((o) => o.name);
}

/**
 * Restores the backend's own kernels where darl's overrides were installed (for `useBackend(name,
 * { kernelOverrides: false })`). Kernels that the backend lacked (e.g. wasm's `UnsortedSegmentSum`) stay, since
 * removing them would only break gradients. Returns the names of the overrides still in effect.
 */
export function uninstallKernelOverrides(backend: BackendName): string[] {
  const tfjsName = tfjsBackendOf(backend);
  for (const key of [...installed.keys()]) if (key.startsWith(`${tfjsName}/`)) restore(key);
  const all = Object.values(OVERRIDES).flat();
  const names = all.filter((o) => o.kernels.some((k) => installed.get(`${tfjsName}/${k.kernelName}`) === k)).map((o) => o.name);
  return [...new Set(names)];
}
