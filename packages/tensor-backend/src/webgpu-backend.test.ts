import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './backend.js';

const enabled = (process.env.DARL_TEST_BACKENDS ?? '').split(',').includes('webgpu');

describe.runIf(enabled)('useBackend("webgpu")', () => {
  it('runs on the adapter Dawn finds and reports it', async () => {
    const info = await useBackend('webgpu');
    expect(info.name).toBe('webgpu');
    expect(info.tfjsName).toBe('webgpu');
    expect(info.webgpu?.provider).toBe('dawn');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const y = tf.matMul(tf.ones([3, 4]), tf.ones([4, 2]));
    expect(Array.from(await y.data())).toEqual([4, 4, 4, 4, 4, 4]);
  });

  it('with a caller\'s load (a bundled app), still installs Dawn first and reports the adapter', async () => {
    const info = await useBackend('webgpu', { load: () => import('@tensorflow/tfjs-backend-webgpu') });
    expect(info.name).toBe('webgpu');
    expect(info.webgpu?.provider).toBe('dawn');
    const y = tf.add(tf.ones([2, 3]), tf.ones([2, 3]));
    expect(Array.from(await y.data())).toEqual([2, 2, 2, 2, 2, 2]);
  });
});
