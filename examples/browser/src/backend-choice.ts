/**
 * The page's tfjs backend: WebGPU where the browser has a hardware adapter, or any adapter when asked for with
 * `?backend=webgpu` (its package is loaded only then, as a separate chunk), else wasm (SIMD, and threads when the
 * page is cross-origin isolated), with darl's kernel overrides. The `.wasm` files are bundled by Vite and served by
 * the page's own server.
 *
 * @module
 */
import { isUserError, useBackend, type BackendInfo, type BackendName } from '@darl/tensor-backend';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** What the page asks for (`?backend=` in its URL): the backends that run in a browser worker, or `auto`. */
export type BackendRequest = 'auto' | Extract<BackendName, 'wasm' | 'webgpu'>;

/** The backend in use, in words. */
export interface ChosenBackend {
  readonly name: 'wasm' | 'webgpu';
  readonly detail: string;
}

/** The adapter in words: `google / swiftshader (software)`. */
function adapterWords(info: BackendInfo): string {
  const a = info.webgpu;
  if (!a) return '';
  return ` (${[a.vendor, a.architecture].filter(Boolean).join(' / ') || 'unnamed adapter'}${a.fallback ? ', software' : ''})`;
}

/**
 * Initialises the backend through darl's `useBackend`, so that kernel overrides and gradients are set up as in Node.
 * `webgpu` asked for explicitly runs on any adapter, a software one included; `auto` takes WebGPU only on a hardware
 * adapter (as `useBackend('auto')` does). Without WebGPU the page falls back to wasm, saying why. `threads` caps the
 * wasm backend's threads (default: one per core, where the page is cross-origin isolated).
 */
export async function chooseBackend(request: BackendRequest, threads?: number): Promise<ChosenBackend> {
  let note = '';
  if (request !== 'wasm') {
    try {
      // A separate chunk, loaded only when WebGPU is tried.
      const info = await useBackend('webgpu', { load: () => import('@tensorflow/tfjs-backend-webgpu') });
      if (request === 'webgpu' || !info.webgpu?.fallback) {
        return { name: 'webgpu', detail: `WebGPU${adapterWords(info)}, ${info.kernelOverrides.length} darl kernel overrides` };
      }
      note = `software WebGPU adapter${adapterWords(info)} skipped; `;
    } catch (err) {
      if (!isUserError(err)) throw err;
      if (request === 'webgpu') note = /no adapter|no navigator\.gpu/.test(err.message) ? 'no WebGPU adapter; ' : 'WebGPU failed to initialise; ';
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
