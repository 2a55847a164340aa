// The webgpu backend itself (runs when DARL_TEST_BACKENDS names webgpu, e.g. on SwiftShader:
// VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json DARL_TEST_BACKENDS=webgpu).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, useBackend } from './backend.js';
import { testBackends } from './testing/backends.js';

const enabled = testBackends().includes('webgpu');

describe.runIf(enabled)('useBackend("webgpu") [webgpu]', () => {
  it('runs on the adapter Dawn finds and reports it', async () => {
    const info = await useBackend('webgpu');
    expect(info.name).toBe('webgpu');
    expect(info.tfjsName).toBe('webgpu');
    expect(info.webgpu?.provider).toBe('dawn');
    expect(typeof info.webgpu?.fallback).toBe('boolean');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const y = tf.matMul(tf.ones([3, 4]), tf.ones([4, 2]));
    expect(Array.from(await y.data())).toEqual([4, 4, 4, 4, 4, 4]);
    y.dispose();
  });

  it('turns a lost device into a BackendUnavailableError on the next use, and useBackend starts a new device', async () => {
    await useBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const x = tf.tensor1d([1, 2, 3]);
    const device = (tf.backend() as unknown as { device: { destroy(): void; lost: Promise<unknown> } }).device;
    device.destroy();
    // A read already asked for rejects with the user error rather than hanging or returning zeros.
    const read = tf.add(x, 1).data();
    await expect(read).rejects.toThrow(BackendUnavailableError);
    await device.lost;
    let err: unknown;
    try {
      tf.mul(x, 2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^Backend "webgpu": the GPU device was lost \(destroyed: .*\)/);
    expect(msg).toContain('useBackend("webgpu") again');
    expect(msg).not.toMatch(/\n/);
    expect(() => tf.tensor1d([1])).toThrow(/GPU device was lost/);

    const again = await useBackend('webgpu');
    expect(again.name).toBe('webgpu');
    expect(again.webgpu?.provider).toBe('dawn');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const y = tf.add(tf.tensor1d([1, 2, 3]), 1);
    expect(Array.from(await y.data())).toEqual([2, 3, 4]);
    y.dispose();
  });

  it('with a caller\'s load (a bundled app), still installs Dawn first and reports the adapter', async () => {
    const info = await useBackend('webgpu', { load: () => import('@tensorflow/tfjs-backend-webgpu') });
    expect(info.name).toBe('webgpu');
    expect(info.webgpu?.provider).toBe('dawn');
    const y = tf.add(tf.ones([2, 3]), tf.ones([2, 3]));
    expect(Array.from(await y.data())).toEqual([2, 2, 2, 2, 2, 2]);
  });
});
