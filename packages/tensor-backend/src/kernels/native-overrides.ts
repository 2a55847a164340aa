/**
 * The native backend's kernel overrides, in a module of their own that `useBackend('native')` imports on demand (the
 * native backend runs only under Node, so browser bundles never load the addon's kernels): the wasm backend's tensors
 * with the addon's kernels where it has them, and the kernel table's fused ops. (`install.ts` adds the wasm overrides
 * the native backend shares: imported from here, they would move into a chunk every bundle loads.)
 *
 * @module
 */
import type { KernelOverride } from './kernel-registry.js';
import { nativeBatchMatMulOverride } from './native-batch-mat-mul.js';
import { nativeElementwiseOverride } from './native-elementwise.js';
import { NATIVE_FUSED_OVERRIDES } from './native-fused.generated.js';

/** The native backend's own overrides. */
export const NATIVE_OVERRIDES: readonly KernelOverride[] = [nativeBatchMatMulOverride, nativeElementwiseOverride, ...NATIVE_FUSED_OVERRIDES];
