import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { poolTokens } from './pooling.js';

describeBackends('poolTokens', (ctx) => {
  // tokens[b][l][c] = 100b + 10l + c: mean over l is 100b + 10·(L−1)/2 + c.
  const make = (): tf.Tensor3D => tf.tensor3d(Array.from({ length: 2 * 3 * 2 }, (_, i) => 100 * Math.floor(i / 6) + 10 * (Math.floor(i / 2) % 3) + (i % 2)), [2, 3, 2]);

  it('mean, last and concat match the definitions', () => {
    const t = make();
    expectAllClose(poolTokens(t, 'mean'), [10, 11, 110, 111], ctx.tol(100), 0, 'mean');
    expectAllClose(poolTokens(t, 'last'), [20, 21, 120, 121], 0, 0, 'last');
    const c = poolTokens(t, 'concat');
    expect(c.shape).toEqual([2, 6]);
    expectAllClose(c, t, 0, 0, 'concat');
    t.dispose();
  });

  it('does not leak and rejects wrong ranks', async () => {
    const t = make();
    for (const p of ['mean', 'last', 'concat'] as const) await expectNoLeak(() => poolTokens(t, p), p);
    expect(() => poolTokens(tf.zeros([2, 3]) as unknown as tf.Tensor3D, 'mean')).toThrow(/poolTokens: "tokens" must be of rank 3/);
    t.dispose();
  });
});
