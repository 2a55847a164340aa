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

const OVERRIDES: Partial<Record<BackendName, readonly KernelOverride[]>> = {
  wasm: [
    wasmBatchMatMulOverride,
    wasmTransposeOverride,
    wasmTanhOverride,
    wasmIdentityOverride,
    wasmUnsortedSegmentSumOverride,
  ],
};

const installed = new Set<string>();

/**
 * Registers darl's overrides for `backend` (once per process; the backend's original kernels are replaced).
 * Returns the names of the overrides in effect.
 */
export function installKernelOverrides(backend: BackendName): string[] {
  const overrides = OVERRIDES[backend] ?? [];
  const tfjsName = backend === 'node' || backend === 'node-gpu' ? 'tensorflow' : backend;
  for (const o of overrides) {
    for (const k of o.kernels) {
      const key = `${tfjsName}/${k.kernelName}`;
      if (installed.has(key)) continue;
      const original = tf.getKernel(k.kernelName, tfjsName);
      if (original != null) {
        originals.set(key, original);
        tf.unregisterKernel(k.kernelName, tfjsName);
      }
      tf.registerKernel({ ...k, backendName: tfjsName } as tf.KernelConfig);
      installed.add(key);
    }
  }
  return overrides.map((o) => o.name);
}

/**
 * Restores the backend's own kernels where darl's overrides were installed (for `useBackend(name,
 * { kernelOverrides: false })`). Kernels that the backend lacked (e.g. wasm's `UnsortedSegmentSum`) stay, since
 * removing them would only break gradients. Returns the names of the overrides still in effect.
 */
export function uninstallKernelOverrides(backend: BackendName): string[] {
  const overrides = OVERRIDES[backend] ?? [];
  const tfjsName = backend === 'node' || backend === 'node-gpu' ? 'tensorflow' : backend;
  const remaining: string[] = [];
  for (const o of overrides) {
    let kept = false;
    for (const k of o.kernels) {
      const key = `${tfjsName}/${k.kernelName}`;
      if (!installed.has(key)) continue;
      const original = originals.get(key);
      if (original === undefined) {
        kept = true;
        continue;
      }
      tf.unregisterKernel(k.kernelName, tfjsName);
      tf.registerKernel(original);
      originals.delete(key);
      installed.delete(key);
    }
    if (kept) remaining.push(o.name);
  }
  return remaining;
}
