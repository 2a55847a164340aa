// Every public tensor function releases all its intermediates; what it returns belongs to the caller.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeTree, Rng } from '@darl/tensor-backend';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { transformerConfig, type PositionEncoding } from './config.js';
import { applyTransformer, initTransformer } from './transformer.js';
import { createKVCache, disposeKVCache } from './kv-cache.js';
import { rasterPositions } from './positions.js';
import { applyBlock, initBlock } from './block.js';
import { applyAttention, initAttention } from './attention.js';
import { applyMlp, initMlp } from './mlp.js';
import { applyLinear, initLinear } from './linear.js';
import { applyLayerNorm, initLayerNorm } from './layer-norm.js';
import { gelu } from '@darl/tensor-backend';
import { applyRope, ropeTables } from './rope.js';
import { sincos2dTable } from './sincos-position.js';
import { causalMask } from './causal-mask.js';
import { dropPath } from './drop-path.js';

describeBackends('no leaks', () => {
  const positions = rasterPositions(1, 5);
  const x = (): tf.Tensor3D => new Rng(1).normal([2, 5, 32]) as tf.Tensor3D;

  for (const position of ['rope2d', 'rope1d', 'learned', 'sincos2d', 'none'] as PositionEncoding[]) {
    it(`initTransformer / applyTransformer (${position}: causal, full, hidden, drop-path, gradient)`, async () => {
      const config = transformerConfig({ preset: 'tiny', position, dropPath: 0.2, maxTokens: 16 });
      expect(await expectNoLeak(() => initTransformer(config, { seed: 1 }), 'initTransformer')).toBe(
        position === 'learned' ? 27 : 26,
      );
      const params = initTransformer(config, { seed: 1 });
      const input = x();
      for (const attention of ['causal', 'full'] as const) {
        await expectNoLeak(() => applyTransformer(params, config, input, { positions, attention }).output, `applyTransformer ${attention}`);
      }
      expect(
        await expectNoLeak(
          () => applyTransformer(params, config, input, { positions, returnHidden: true, rng: new Rng(2) }) as unknown as tf.TensorContainer as never,
          'applyTransformer hidden + drop-path',
        ),
      ).toBe(1 + config.depth);
      await expectNoLeak(
        () => tf.grad((t: tf.Tensor) => tf.sum(applyTransformer(params, config, t as tf.Tensor3D, { positions }).output))(input),
        'gradient of applyTransformer',
      );
      disposeTree(params);
      input.dispose();
    });
  }

  it('KV cache: createKVCache, cached applyTransformer, disposeKVCache', async () => {
    const config = transformerConfig({ preset: 'tiny' });
    const params = initTransformer(config, { seed: 1 });
    const input = x();
    await expectNoLeak(() => {
      const cache = createKVCache(config, 2);
      const outs: tf.Tensor[] = [];
      for (let t = 0; t < 5; t++) {
        const token = tf.slice(input, [0, t, 0], [2, 1, 32]) as tf.Tensor3D;
        const p = { rows: positions.rows.slice(t, t + 1), cols: positions.cols.slice(t, t + 1) };
        outs.push(applyTransformer(params, config, token, { positions: p, cache }).output);
        token.dispose();
      }
      disposeKVCache(cache);
      return outs;
    }, 'KV cache');
    disposeTree(params);
    input.dispose();
  });

  it('layers and helpers', async () => {
    const config = transformerConfig({ preset: 'tiny' });
    const input = x();
    const block = initBlock(config, { seed: 1 });
    const attn = initAttention(config, { seed: 1 });
    const mlp = initMlp(config, { seed: 1 });
    const lin = initLinear(32, 8, { seed: 1 });
    const ln = initLayerNorm(32);
    const tables = ropeTables([positions.rows, positions.cols], 16, 10_000);
    await expectNoLeak(() => initBlock(config, { seed: 2 }), 'initBlock');
    await expectNoLeak(() => initAttention(config, { seed: 2 }), 'initAttention');
    await expectNoLeak(() => initMlp(config, { seed: 2 }), 'initMlp');
    await expectNoLeak(() => initLinear(4, 3, { seed: 2 }), 'initLinear');
    await expectNoLeak(() => initLayerNorm(4), 'initLayerNorm');
    await expectNoLeak(() => applyBlock(block, config, input, { rope: tables, rng: new Rng(1), dropRate: 0.5 }), 'applyBlock');
    await expectNoLeak(() => applyAttention(attn, config, input, { rope: tables, attention: 'full' }), 'applyAttention');
    await expectNoLeak(() => applyMlp(mlp, config, input), 'applyMlp');
    await expectNoLeak(() => applyLinear(lin, input), 'applyLinear');
    await expectNoLeak(() => applyLayerNorm(ln, input), 'applyLayerNorm');
    await expectNoLeak(() => gelu(input), 'gelu');
    await expectNoLeak(() => {
      const t = ropeTables([positions.rows], 16, 100);
      return [t.cos, t.sin, t.swap];
    }, 'ropeTables');
    const q = tf.ones([3, 5, 16]);
    await expectNoLeak(() => applyRope(q, tables), 'applyRope');
    q.dispose();
    await expectNoLeak(() => sincos2dTable(positions, 32), 'sincos2dTable');
    await expectNoLeak(() => causalMask(5, 2), 'causalMask');
    await expectNoLeak(() => dropPath(input, 0.5, new Rng(3)), 'dropPath');
    await expectNoLeak(() => dropPath(input, 0.5), 'dropPath (eval)');
    disposeTree([block, attn, mlp, lin, ln, tables.cos, tables.sin, tables.swap] as never);
    input.dispose();
  });
});
