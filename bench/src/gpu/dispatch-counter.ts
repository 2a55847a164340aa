/**
 * Counts WebGPU compute dispatches: every program tfjs-backend-webgpu runs goes through its backend's
 * `runWebGPUProgram`, which this wraps on the active backend object.
 */
import * as tf from '@tensorflow/tfjs-core';

type ProgramRunner = { runWebGPUProgram?: (...args: unknown[]) => unknown };

export interface DispatchCounter {
  /** Dispatches since the counter was installed or last taken; resets the count. */
  take(): number;
  /** Puts the backend's own method back. */
  uninstall(): void;
}

/** Installs a counter on the active backend; throws if it is not the webgpu backend. */
export function installDispatchCounter(): DispatchCounter {
  const backend = tf.backend() as unknown as ProgramRunner;
  const original = backend.runWebGPUProgram;
  if (typeof original !== 'function') throw new Error(`the active backend (${tf.getBackend()}) has no runWebGPUProgram: not webgpu`);
  let count = 0;
  backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]): unknown {
    count++;
    return original.apply(this, args);
  };
  return {
    take(): number {
      const n = count;
      count = 0;
      return n;
    },
    uninstall(): void {
      backend.runWebGPUProgram = original;
    },
  };
}
