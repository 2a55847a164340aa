/**
 * darl's kernel overrides: faster implementations of hot tfjs kernels, registered for a backend when
 * {@link useBackend} selects it. Model code stays plain `tf` code.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../backend.js';
import { wasmBatchMatMulOverride } from './wasm-batch-mat-mul.js';
import { wasmTransposeOverride } from './wasm-transpose.js';
import { wasmTanhOverride } from './wasm-tanh.js';
import { wasmIdentityOverride } from './wasm-identity.js';
import { wasmUnsortedSegmentSumOverride } from './wasm-unsorted-segment-sum.js';

/** One override: a kernel config registered in place of the backend's own. */
export interface KernelOverride {
  /** Human-readable name, reported by `useBackend` and `darl info`. */
  readonly name: string;
  /** The tfjs kernel configs to register (their `backendName` is filled in). */
  readonly kernels: readonly Omit<tf.KernelConfig, 'backendName'>[];
}

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
const originals = new Map<string, tf.KernelConfig>();

/**
 * The kernel a backend had registered under `kernelName` before darl's override replaced it (undefined if none), for
 * overrides that handle the hot cases themselves and delegate the rest.
 */
export function originalKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return originals.get(`${backendName}/${kernelName}`) ?? tf.getKernel(kernelName, backendName);
}

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
