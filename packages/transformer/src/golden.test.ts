// Parity with the independent PyTorch implementation in fixtures/make_golden.py (float64 reference).
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { disposeTree } from '@darl/tensor-backend';
import { describeBackends, maxAbsDiff } from '@darl/tensor-backend/testing';
import { applyTransformer } from './transformer.js';
import { golden, goldenConfig, goldenParams, goldenPositions } from '../test/helpers.js';

const PARITY = 1e-4;
const measured: string[] = [];

describeBackends('PyTorch parity', (ctx) => {
  afterAll(() => {
    if (process.env.DARL_REPORT_PARITY) console.log(measured.splice(0).join('\n'));
  });
  for (const c of golden.cases) {
    const { position, attention } = c;
    let params: ReturnType<typeof goldenParams>;
    beforeAll(() => {
      params = goldenParams(position);
    });
    afterAll(() => disposeTree(params));

    it(`${position} / ${attention}: output, hidden states and input gradient match to < ${PARITY}`, () => {
      const config = goldenConfig(position);
      const tokens = tf.tensor3d(golden.tokens, [golden.batch, golden.length, golden.config.width]);
      const probe = tf.tensor3d(golden.probe, tokens.shape);
      const { output, hidden } = applyTransformer(params, config, tokens, {
        positions: goldenPositions(),
        attention,
        returnHidden: true,
      });
      const grad = tf.grad((x: tf.Tensor) =>
        tf.sum(tf.mul(applyTransformer(params, config, x as tf.Tensor3D, { positions: goldenPositions(), attention }).output, probe)),
      )(tokens);
      const dOut = maxAbsDiff(output, c.output);
      const dHidden = Math.max(...hidden!.map((h, i) => maxAbsDiff(h, c.hidden[i]!)));
      const dGrad = maxAbsDiff(grad, c.tokensGrad);
      measured.push(`${ctx.backend} ${position}/${attention}: output ${dOut.toExponential(2)}, hidden ${dHidden.toExponential(2)}, grad ${dGrad.toExponential(2)}`);
      expect(dOut).toBeLessThan(PARITY);
      expect(dHidden).toBeLessThan(PARITY);
      expect(dGrad).toBeLessThan(PARITY);
      // The fixture is not degenerate: causal and full attention give different outputs.
      const other = golden.cases.find((g) => g.position === position && g.attention !== attention);
      if (other) expect(maxAbsDiff(c.output, other.output)).toBeGreaterThan(1e-2);
      tf.dispose([tokens, probe, output, ...hidden!, grad]);
    });
  }
});
