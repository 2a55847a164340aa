/**
 * Test support for the webgpu end-to-end suites: whether `DARL_TEST_BACKENDS` names webgpu, running a piece of work
 * on one backend and bringing its numbers back as plain arrays (so the cpu reference and the webgpu run can be
 * compared), and the float32 tolerance of a backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendInfo, type BackendName } from '@darl/tensor-backend';
import { testBackends } from '@darl/tensor-backend/testing';

/** True when the suite should run on webgpu (`DARL_TEST_BACKENDS` includes it). */
export const WEBGPU_REQUESTED = testBackends().includes('webgpu');

/** Selects `backend` (webgpu with its shaders really running: no CPU forward), runs `fn`, returns what it returns. */
export async function onBackend<T>(backend: BackendName, fn: (info: BackendInfo) => Promise<T>): Promise<T> {
  const info = await useBackend(backend);
  if (backend === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
  return fn(info);
}

/** Absolute tolerance `scale · √ε / 2` from a backend's float precision (the rule of `describeBackends`' `ctx.tol`). */
export function precisionTol(info: BackendInfo, scale = 1): number {
  return (scale * Math.sqrt(info.epsilon)) / 2;
}

/** Largest |a − b|, and the largest |b| (the scale the difference is judged against). */
export function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  if (a.length !== b.length) throw new Error(`worstDiff: lengths differ (${a.length} vs ${b.length}).`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    diff = Number.isNaN(d) || d > diff ? (Number.isNaN(d) ? Infinity : d) : diff;
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { diff, scale };
}
