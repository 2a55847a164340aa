import { beforeAll, describe } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS_FASTEST_FIRST, useBackend, type BackendInfo, type BackendName } from '../backend.js';

/** What a backend suite's body receives. `info` and `tol` are valid inside tests and hooks (after `beforeAll`). */
export interface BackendSuiteContext {
  /** darl's name of the backend this copy of the suite runs on. */
  readonly backend: BackendName;
  /** What `useBackend` returned. */
  readonly info: BackendInfo;
  /**
   * An absolute tolerance derived from the backend's float precision: `scale · √ε / 2` (≈ 1.7e-4 · scale for
   * float32, ≈ 1.6e-2 · scale for float16). Pass a larger `scale` for longer chains of arithmetic.
   */
  tol(scale?: number): number;
}

/**
 * The backends a suite runs on: `DARL_TEST_BACKENDS` (comma-separated) if set, else `cpu,wasm,native` (native is
 * the default backend where its addon built, which the install does wherever g++ exists). The node and webgpu
 * backends join when named there and installed.
 */
export function testBackends(): BackendName[] {
  const raw = typeof process !== 'undefined' ? process.env.DARL_TEST_BACKENDS : undefined;
  const names = (raw ?? 'cpu,wasm,native').split(',').map((s) => s.trim()).filter(Boolean);
  const valid = BACKENDS_FASTEST_FIRST;
  for (const n of names) {
    if (!valid.includes(n as BackendName)) throw new Error(`DARL_TEST_BACKENDS: unknown backend "${n}"; use ${valid.join(', ')}.`);
  }
  return names as BackendName[];
}

/**
 * Declares one test suite per backend (vitest `describe` blocks titled `title [backend]`); the body runs for each,
 * after that backend is selected. Tolerances come from `ctx.tol()`.
 *
 * @example
 * describeBackends('softmax', (ctx) => {
 *   it('sums to one', () => { expectAllClose(tf.sum(tf.softmax(x)), 1, ctx.tol()); });
 * });
 */
export function describeBackends(
  title: string,
  body: (ctx: BackendSuiteContext) => void,
  backends: readonly BackendName[] = testBackends(),
): void {
  for (const backend of backends) {
    describe(`${title} [${backend}]`, () => {
      let info: BackendInfo | undefined;
      const ctx: BackendSuiteContext = {
        backend,
        get info(): BackendInfo {
          if (!info) throw new Error(`describeBackends: backend ${backend} is not ready yet (use ctx.info inside tests).`);
          return info;
        },
        tol(scale = 1): number {
          return (scale * Math.sqrt(this.info.epsilon)) / 2;
        },
      };
      beforeAll(async () => {
        info = await useBackend(backend);
        // tfjs-webgpu otherwise runs ops on small CPU-resident inputs on the CPU, and the shaders would go untested.
        if (backend === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
      });
      body(ctx);
    });
  }
}
