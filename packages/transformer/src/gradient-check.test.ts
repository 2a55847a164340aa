// Finite-difference check of the analytic gradients on the tiny preset (float32: central differences with a step
// large enough to beat rounding, on a handful of coordinates).
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeTree, Rng } from '@darl/tensor-backend';
import { describeBackends } from '@darl/tensor-backend/testing';
import { transformerConfig, type PositionEncoding } from './config.js';
import { applyTransformer, initTransformer, type TransformerParams } from './transformer.js';
import { rasterPositions } from './positions.js';

const STEP = 1e-2;

function withValue(t: tf.Tensor, index: number, delta: number): tf.Tensor {
  const data = t.dataSync().slice();
  data[index]! += delta;
  return tf.tensor(data, t.shape, 'float32');
}

describeBackends('finite-difference gradients (tiny)', () => {
  for (const position of ['rope2d', 'learned'] as PositionEncoding[]) {
    it(`${position}: d loss / d tokens and d loss / d weights match central differences`, () => {
      const config = transformerConfig({ preset: 'tiny', position, init: 'xavier', maxTokens: 8 });
      const params = initTransformer(config, { seed: 11 }) as TransformerParams<tf.Tensor>;
      const positions = rasterPositions(1, 5);
      const rng = new Rng(5);
      const tokens = rng.normal([2, 5, config.width]) as tf.Tensor3D;
      const probe = rng.normal([2, 5, config.width]);
      const wqkv = params.blocks[0]!.attn.wqkv;
      const w1 = params.blocks[1]!.mlp.w1;
      const withWeights = (a: tf.Tensor, b: tf.Tensor): TransformerParams<tf.Tensor> => ({
        ...params,
        blocks: [
          { ...params.blocks[0]!, attn: { ...params.blocks[0]!.attn, wqkv: a } },
          { ...params.blocks[1]!, mlp: { ...params.blocks[1]!.mlp, w1: b } },
        ],
      });
      const loss = (x: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
        tf.tidy(() => tf.sum(tf.mul(applyTransformer(withWeights(a, b), config, x as tf.Tensor3D, { positions }).output, probe)));
      const grads = tf.grads((x: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => loss(x, a, b))([tokens, wqkv, w1]);
      const args = [tokens, wqkv, w1];
      const picks = new Rng(9);
      let checked = 0;
      for (let which = 0; which < 3; which++) {
        const g = grads[which]!.dataSync();
        for (let n = 0; n < 4; n++) {
          const index = picks.int(args[which]!.size);
          const plus = args.map((t, i) => (i === which ? withValue(t, index, STEP) : t));
          const minus = args.map((t, i) => (i === which ? withValue(t, index, -STEP) : t));
          const lp = loss(plus[0]!, plus[1]!, plus[2]!);
          const lm = loss(minus[0]!, minus[1]!, minus[2]!);
          const fd = (lp.dataSync()[0]! - lm.dataSync()[0]!) / (2 * STEP);
          tf.dispose([plus[which]!, minus[which]!, lp, lm]);
          if (process.env.DARL_REPORT_FD) console.log(`fd ${fd.toFixed(5)} grad ${g[index]!.toFixed(5)}`);
          expect(Math.abs(fd - g[index]!), `arg ${which} index ${index}: fd ${fd} vs grad ${g[index]}`).toBeLessThan(
            1e-3 + 5e-3 * Math.abs(g[index]!),
          );
          checked++;
        }
      }
      expect(checked).toBe(12);
      // Gradients are not trivially zero.
      expect(Math.max(...grads.map((g) => tf.max(tf.abs(g)).dataSync()[0]!))).toBeGreaterThan(1e-2);
      tf.dispose([...grads, tokens, probe]);
      disposeTree(params);
    });
  }
});
