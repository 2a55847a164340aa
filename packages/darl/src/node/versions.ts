/**
 * Versions recorded in every run's state.json and printed by `darl info`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

// `__filename` exists in the CommonJS build; `import.meta.url` in the ES module build and under vitest. (No tsup
// shims: they would put `path`/`url` imports into the chunks the browser-safe entry shares.)
const require = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Versions of darl, its packages, tfjs-core and Node. */
export function runtimeVersions(): Record<string, string> {
  return {
    '@darl/darl': versionOf('@darl/darl'),
    '@darl/tensor-backend': versionOf('@darl/tensor-backend'),
    '@darl/transformer': versionOf('@darl/transformer'),
    '@darl/diffusion': versionOf('@darl/diffusion'),
    '@darl/patch-data': versionOf('@darl/patch-data'),
    '@darl/eval': versionOf('@darl/eval'),
    '@tensorflow/tfjs-core': tf.version_core,
    node: process.version,
  };
}
