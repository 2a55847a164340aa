// "Can learn": the tiny preset overfits one fixed batch of a next-token regression task.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeTree, flattenTree, Rng } from '@darl/tensor-backend';
import { describeBackends } from '@darl/tensor-backend/testing';
import { transformerConfig } from './config.js';
import { applyTransformer, initTransformer } from './transformer.js';
import { initLinear, linear2d } from './linear.js';
import { rasterPositions } from './positions.js';

const STEPS = 30;
const STEP_SIZE = 1e-2;

describeBackends('can learn', () => {
  it('tiny preset: next-token MSE on one fixed batch falls by more than 90 %', () => {
    const config = transformerConfig({ preset: 'tiny' });
    const D = config.width;
    const P = 8; // token (patch) dimension
    const B = 2;
    const grid = rasterPositions(2, 4); // 8 input tokens
    const L = grid.rows.length;
    const rng = new Rng(1);
    const sequence = rng.normal([B, L + 1, P]); // inputs: tokens 0 … L-1; targets: tokens 1 … L
    const inputs = tf.slice(sequence, [0, 0, 0], [B, L, P]);
    const targets = tf.reshape(tf.slice(sequence, [0, 1, 0], [B, L, P]), [B * L, P]);
    const params = initTransformer(config, { seed: 2 });
    const embed = initLinear(P, D, { seed: rng.fork('embed') });
    const head = initLinear(D, P, { seed: rng.fork('head') });
    const variables = [...flattenTree(params), ...flattenTree(embed), ...flattenTree(head)].map(([, v]) => v);
    const optimizer = tf.train.adam(STEP_SIZE);
    const lossFn = (): tf.Scalar => {
      const tokens = tf.reshape(linear2d(tf.reshape(inputs, [-1, P]) as tf.Tensor2D, embed.w, embed.b), [B, L, D]) as tf.Tensor3D;
      const h = applyTransformer(params, config, tokens, { positions: grid, attention: 'causal' }).output;
      const y = linear2d(tf.reshape(h, [-1, D]) as tf.Tensor2D, head.w, head.b);
      return tf.mean(tf.square(tf.sub(y, targets)));
    };
    const losses: number[] = [];
    for (let step = 0; step < STEPS; step++) {
      const loss = optimizer.minimize(lossFn, true, variables)!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    if (process.env.DARL_REPORT_LOSS) console.log(losses.filter((_, i) => i % 5 === 0).map((l) => l.toFixed(3)).join(" "));
    const first = losses[0]!;
    const last = losses[losses.length - 1]!;
    expect(first).toBeGreaterThan(0.5);
    expect(last, `loss ${first} → ${last}`).toBeLessThan(0.1 * first);
    optimizer.dispose();
    disposeTree(params);
    disposeTree([embed.w, embed.b, head.w, head.b]);
    tf.dispose([sequence, inputs, targets]);
  });
});
