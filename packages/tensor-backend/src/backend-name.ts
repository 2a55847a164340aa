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

/**
 * Why each backend sits where it does in {@link BACKENDS_FASTEST_FIRST}: the reason `auto` gives for choosing it
 * (`BackendInfo.reason`, printed by `darl info`). There is no model-size rule between `native` and `wasm`: since the
 * native kernels run on the calling thread below 100 µs of estimated work, native measured faster than wasm on every
 * model darl ships, the `tiny` preset included (paired runs, `bench/src/native-vs-wasm.ts`).
 */
export const AUTO_REASONS: Readonly<Record<BackendName, string>> = {
  webgpu: 'a hardware GPU adapter runs the model on the GPU',
  'node-gpu': 'TensorFlow\'s CUDA build is installed and found a GPU',
  node: 'TensorFlow\'s native CPU build is installed',
  native:
    'darl\'s native kernels built here: faster than wasm at every model size (small work runs on one thread, so tiny ' +
    'models are not slowed by thread start-up; large work uses every allowed CPU)',
  wasm: 'runs everywhere; the faster backends above it are not available here',
  cpu: 'the last resort: no other backend initialised',
};
