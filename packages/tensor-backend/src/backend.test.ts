import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { AUTO_REASONS, BackendUnavailableError, useBackend } from './backend.js';

describe('useBackend', () => {
  it('selects cpu and reports what it chose', async () => {
    const info = await useBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.tfjsVersion).toBe(tf.version_core);
    expect(info.floatPrecision).toBe(32);
    expect(info.epsilon).toBe(2 ** -23);
  });

  it('selects wasm and reports SIMD', async () => {
    const info = await useBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(typeof info.simd).toBe('boolean');
    expect(info.threads).toBe(false);
  });

  it('installs the wasm kernel overrides and can restore the stock kernels', async () => {
    const fast = await useBackend('wasm');
    expect(fast.kernelOverrides.length).toBeGreaterThan(0);
    const fastMatMul = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    const stock = await useBackend('wasm', { kernelOverrides: false });
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).not.toBe(fastMatMul);
    // Kernels the stock backend lacks stay (removing them would break gradients); they are still reported.
    expect(stock.kernelOverrides.length).toBeLessThan(fast.kernelOverrides.length);
    const again = await useBackend('wasm');
    expect(again.kernelOverrides).toEqual(fast.kernelOverrides);
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(fastMatMul);
  });

  it('registers gradients so tf.grad works under plain Node', async () => {
    await useBackend('cpu');
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)));
    expect(Array.from(g(tf.tensor1d([1, -2, 3])).dataSync())).toEqual([2, -4, 6]);
  });

  it('fails for node with a clear message naming the package and why it may be missing', async () => {
    const err = await useBackend('node').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const msg = (err as Error).message;
    expect(msg).toContain('@tensorflow/tfjs-node');
    expect(msg).toMatch(/downloads libtensorflow/);
    expect(msg).toMatch(/npm 11 does not run install scripts of dependencies/);
    expect(msg).toMatch(/no release since 4\.22\.0/);
    expect(msg).toMatch(/`native`/);
    expect(msg).not.toMatch(/\n\s+at /); // no stack trace in the message
  });

  it('fails for node-gpu with a message naming CUDA', async () => {
    const msg = ((await useBackend('node-gpu').catch((e: unknown) => e)) as Error).message;
    expect(msg).toContain('@tensorflow/tfjs-node-gpu');
    expect(msg).toMatch(/CUDA/);
  });

  it('reports a broken injected package as "installed but failed to load"', async () => {
    const err = (await useBackend('node', {
      load: () => Promise.reject(new Error('libtensorflow.so.2: cannot open shared object file\n    at Module._load')),
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('installed but failed to load (libtensorflow.so.2: cannot open shared object file)');
    expect(err.message).not.toContain('Module._load');
  });

  it('rejects an injected package that registers no backend', async () => {
    const err = (await useBackend('node', { load: async () => ({}) }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/registered no "tensorflow" backend/);
  });

  it('auto skips webgpu without a hardware adapter and the missing node backends, and explains why', async () => {
    const info = await useBackend('auto');
    const { loadNativeKernels } = await import('@darl/native-kernels');
    const native = loadNativeKernels();
    // Where the addon was built, auto picks it; otherwise it falls back to wasm and says why. This machine has no GPU:
    // webgpu is not probed without a GPU device node, finds no adapter, or only a software one (see webgpu-adapter.test.ts).
    expect(info.name).toBe(native.ok ? 'native' : 'wasm');
    const tried = ['webgpu', 'node-gpu', 'node'];
    expect(info.skipped.map((s) => s.name)).toEqual(native.ok ? tried : [...tried, 'native']);
    expect(info.skipped[0]!.reason).toMatch(/found no adapter|only adapter is a software one|needs the package webgpu|no GPU device/);
    expect(info.skipped[2]!.reason).toContain('@tensorflow/tfjs-node');
    if (!native.ok) expect(info.skipped[3]!.reason).toContain(native.reason);
    // The reason lists what was skipped and why the chosen backend ranks above the rest.
    expect(info.reason).toContain(`skipped ${tried.join(', ')}`);
    expect(info.reason).toContain(`${info.name}: ${AUTO_REASONS[info.name]}`);
    if (native.ok) expect(info.reason).toMatch(/native: .*faster than wasm at every model size/);
  });

  it('says a backend asked for by name was requested', async () => {
    expect((await useBackend('cpu')).reason).toBe('requested by name ("cpu")');
  });

  it('rejects unknown names', async () => {
    await expect(useBackend('tpu' as never)).rejects.toThrow(/Unknown backend "tpu".*auto, webgpu, node-gpu, node, native, wasm, cpu/);
  });
});
