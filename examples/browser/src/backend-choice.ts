/**
 * The page's tfjs backend: WebGPU where the browser has an adapter (its package is loaded only then, as a separate
 * chunk), else wasm (SIMD, and threads when the page is cross-origin isolated), with darl's kernel overrides. The
 * `.wasm` files are bundled by Vite and served by the page's own server.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients, useBackend } from '@darl/tensor-backend';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** What the page asks for (`?backend=` in its URL). */
export type BackendRequest = 'auto' | 'wasm' | 'webgpu';

/** The backend in use, in words. */
export interface ChosenBackend {
  readonly name: 'wasm' | 'webgpu';
  readonly detail: string;
}

interface GpuNavigator {
  readonly gpu?: { requestAdapter(): Promise<unknown> };
}

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

/**
 * Initialises the backend; `webgpu` asked for explicitly but absent falls back to wasm, saying so. `threads` caps
 * the wasm backend's threads (default: one per core, where the page is cross-origin isolated).
 */
export async function chooseBackend(request: BackendRequest, threads?: number): Promise<ChosenBackend> {
  let note = '';
  if (request !== 'wasm') {
    if (await hasWebGpuAdapter()) {
      await import('@tensorflow/tfjs-backend-webgpu');
      if (await tf.setBackend('webgpu')) {
        await tf.ready();
        await ensureGradients();
        return { name: 'webgpu', detail: 'WebGPU' };
      }
      note = 'WebGPU failed to initialise; ';
    } else if (request === 'webgpu') {
      note = 'no WebGPU adapter; ';
    }
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (threads !== undefined) wasm.setThreadsCount(threads);
  const info = await useBackend('wasm', {
    load: async () => wasm,
    wasmPaths: { 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded },
  });
  const flags = [info.simd ? 'SIMD' : 'no SIMD', info.threads && threads !== 1 ? `${threads ?? navigator.hardwareConcurrency} threads` : 'one thread'];
  return { name: 'wasm', detail: `${note}wasm (${flags.join(', ')}), ${info.kernelOverrides.length} darl kernel overrides` };
}
