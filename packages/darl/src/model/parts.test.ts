import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeTree, Rng, ShapeError } from '@darl/tensor-backend';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { ConfigError } from '../config/validate.js';
import { transformerBackbone, type DarlBackbone } from './backbone.js';
import { backboneConfigFor } from '../config/backbone-config.js';
import { buildDarl, darlLoss, initDarlParams, paramTree } from './darl-model.js';
import type { DarlHead } from './head.js';
import { mseHead } from './mse-head.js';
import type { DarlBackboneSizes, DarlHeadSizes } from './parts.js';

// 16×16 RGB images at patch 4: L = 16 patches of D = 4·4·3 = 48 values.
const rgb = {
  image: { height: 16, width: 16, channels: 3 },
  patchSize: 4,
  backbone: { preset: 'tiny' as const, width: 16, depth: 1, heads: 2 },
};

/** A user's own head: the MSE head under another name, closed over the sizes it was built for. */
const myHead = (width: number, patchDim: number): DarlHead<unknown> => ({ ...mseHead(width, patchDim), kind: 'my-head' }) as DarlHead<unknown>;

it('requires the image size instead of assuming 28×28×1', () => {
  expect(() => buildDarl({ patchSize: 4 })).toThrow(ConfigError);
  expect(() => buildDarl({ patchSize: 4 })).toThrow(/"image" is missing.*\{ image: \{ height: 28, width: 28, channels: 1 \}/);
});

describeBackends('custom parts of buildDarl', () => {
  it('names the head and both shapes when a head was built for another patch dimension (not a tfjs broadcast error in training)', () => {
    // The head was sized for 28×28×1 (D = 16); the model's patches have D = 48.
    const build = () => buildDarl(rgb, { head: myHead(16, 16) });
    expect(build).toThrow(ShapeError);
    expect(build).toThrow(/custom head "my-head".*targets \[N, D\] = \[2, 48\].*conditions \[N, C\] = \[2, 16\]/);
  });

  it('names the head when its prediction has the wrong shape although its loss runs', () => {
    const head: DarlHead<unknown> = { ...myHead(16, 48), predict: () => tf.zeros([2, 16]) as tf.Tensor2D };
    expect(() => buildDarl(rgb, { head })).toThrow(/custom head "my-head"'s predict returned \[2, 16\].*\[N, D\] = \[2, 48\]/);
  });

  it('calls a head factory with the model sizes, and the model trains', async () => {
    const seen: DarlHeadSizes[] = [];
    const model = buildDarl({ ...rgb, objective: 'diffusion', diffusion: { decoder: { width: 8, depth: 1 } } }, {
      head: (sizes) => {
        seen.push(sizes);
        return myHead(sizes.width, sizes.patchDim);
      },
    });
    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect([s.width, s.patchDim, s.length, s.patchSize, s.grid.rows, s.grid.cols]).toEqual([16, 48, 16, 4, 4, 4]);
    expect(s.image).toEqual({ height: 16, width: 16, channels: 3 });
    expect((s.settings as { decoder: { width: number } }).decoder.width).toBe(8); // the objective's validated section
    expect(model.head.kind).toBe('my-head');
    const params = initDarlParams(model, { seed: 0 });
    const images = new Rng(1).uniform([2, 16, 16, 3], -1, 1) as tf.Tensor4D;
    const r = darlLoss(model, params, images, { rng: new Rng(2) });
    expect(r.perTarget.shape).toEqual([2 * 16]);
    expect(Number.isFinite((await r.loss.data())[0])).toBe(true);
    tf.dispose([images, r.loss, r.perTarget]);
    disposeTree(paramTree(params));
  });

  it('calls a backbone factory with the model sizes and checks its output width', () => {
    const seen: DarlBackboneSizes[] = [];
    const model = buildDarl(rgb, {
      backbone: (sizes) => {
        seen.push(sizes);
        return transformerBackbone(backboneConfigFor(sizes.config, sizes.length));
      },
    });
    expect(seen[0]!.patchDim).toBe(48);
    expect(model.backbone.width).toBe(16);

    const inner = transformerBackbone(backboneConfigFor(buildDarl(rgb).config, 16));
    const narrowing: DarlBackbone<unknown> = {
      ...(inner as DarlBackbone<unknown>),
      kind: 'narrowing',
      apply: (params, tokens, opts) => {
        const r = inner.apply(params as never, tokens, opts as never);
        return { ...r, output: tf.slice(r.output, [0, 0, 0], [-1, -1, 8]) };
      },
    };
    expect(() => buildDarl(rgb, { backbone: narrowing })).toThrow(/custom backbone "narrowing" returned output \[2, 16, 8\].*\[B, L, C\] = \[2, 16, 16\]/);
    const shallow: DarlBackbone<unknown> = { ...(inner as DarlBackbone<unknown>), kind: 'shallow', depth: 3 };
    expect(() => buildDarl(rgb, { backbone: shallow })).toThrow(/custom backbone "shallow" returned 1 hidden states.*depth 3/);
  });

  it('leaks no tensor while checking parts, whether they fit or not', async () => {
    await expectNoLeak(() => {
      buildDarl(rgb, { head: (s) => myHead(s.width, s.patchDim), backbone: (s) => transformerBackbone(backboneConfigFor(s.config, s.length)) });
    }, 'buildDarl with checked parts');
    await expectNoLeak(() => {
      expect(() => buildDarl(rgb, { head: myHead(16, 16) })).toThrow(ShapeError);
    }, 'buildDarl with a failing head');
  });
});
