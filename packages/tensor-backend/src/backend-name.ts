/**
 * The names of the tfjs backends darl knows how to set up (its own file so that the kernel overrides can name a
 * backend without importing `backend.ts`, which imports them).
 *
 * @module
 */

/**
 * Backends darl knows how to set up. `auto` picks the fastest one that is installed and initialises. `native` is the
 * wasm backend's tensors with darl's multi-threaded native kernels (`@darl/native-kernels`, compiled at install time)
 * in place of the hot wasm kernels.
 */
export type BackendName = 'cpu' | 'wasm' | 'native' | 'node' | 'node-gpu' | 'webgpu';

/**
 * All concrete backend names, fastest first (the order `auto` tries them in). `auto` takes `webgpu` only for a real
 * GPU adapter, never for a software (fallback) one such as SwiftShader.
 */
export const BACKENDS_FASTEST_FIRST: readonly BackendName[] = ['webgpu', 'node-gpu', 'node', 'native', 'wasm', 'cpu'];

/** What a `--backend` option accepts: `auto` and every concrete name (the CLI, the recipes and `useBackend`). */
export const BACKEND_CHOICES: readonly (BackendName | 'auto')[] = ['auto', ...BACKENDS_FASTEST_FIRST];
