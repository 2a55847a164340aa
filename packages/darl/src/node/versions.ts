/**
 * Versions recorded in every run's state.json and printed by `darl info`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

// `import.meta.url` in the ES module build and under vitest, `__filename` in the CommonJS build (not `typeof
// __filename` first: `node -e` defines a global one). No tsup shims: they put `path`/`url` into shared browser chunks.
const here: string | undefined = import.meta.url; // undefined in the CommonJS build (esbuild empties import.meta)
const require = createRequire(here ?? __filename);

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
