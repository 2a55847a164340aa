/**
 * Test support for the webgpu kernels (used by the colocated tests only): {@link evaluateOn} with asynchronous
 * reads (synchronous reads do not work on webgpu under Node), the shaders forced on (`WEBGPU_CPU_FORWARD` off),
 * and a spy that counts the calls of a registered kernel, so that a test can tell a fused kernel ran.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../backend.js';
import { Rng } from '../random.js';
import type { ArgSpec, Evaluation } from './test-helpers.js';

/** Whether this test run includes the webgpu backend (`DARL_TEST_BACKENDS` names it). */
export const WEBGPU_ENABLED = (process.env.DARL_TEST_BACKENDS ?? '').split(',').includes('webgpu');

/** `useBackend(backend, …)`, with tfjs-webgpu's CPU shortcut for small inputs off so that shaders run. */
export async function selectBackend(backend: BackendName, kernelOverrides = true): Promise<void> {
  await useBackend(backend, { kernelOverrides });
  if (backend === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
}

/** Evaluates `fn` and the gradients of `sum(fn(...xs) · dy)` on `backend`, reading every result asynchronously. */
export async function evaluateAsync(
  backend: BackendName,
  fn: (...xs: tf.Tensor[]) => tf.Tensor,
  args: readonly ArgSpec[],
  dySeed: number,
  kernelOverrides = true,
): Promise<Evaluation> {
  await selectBackend(backend, kernelOverrides);
  const { out, grads } = tf.tidy(() => {
    const xs = args.map((a) => tf.tensor(a.data, a.shape, 'float32'));
    const y = fn(...xs);
    const dy = tf.tensor(new Rng(dySeed).normalArray(y.size), y.shape, 'float32');
    return { out: tf.keep(y), grads: tf.grads((...ys: tf.Tensor[]) => fn(...ys))(xs, dy).map((g) => tf.keep(g)) };
  });
  const read = async (t: tf.Tensor): Promise<Float32Array> => Float32Array.from((await t.data()) as Float32Array);
  const result = { out: await read(out), outShape: out.shape, grads: await Promise.all(grads.map(read)) };
  tf.dispose([out, ...grads]);
  return result;
}

/** Runs `fn` while counting the calls of the kernel `kernelName` registered for the active backend. */
export async function countKernelCalls<T>(kernelName: string, fn: () => T | Promise<T>): Promise<{ result: T; calls: number }> {
  const config = tf.getKernel(kernelName, tf.getBackend());
  if (config == null) return { result: await fn(), calls: 0 };
  const original = config.kernelFunc;
  let calls = 0;
  config.kernelFunc = (args) => {
    calls++;
    return original(args);
  };
  try {
    return { result: await fn(), calls };
  } finally {
    config.kernelFunc = original;
  }
}
