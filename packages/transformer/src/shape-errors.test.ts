// Public entry points reject wrong shapes with an error naming the function, the argument and both shapes.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeTree, ShapeError, useBackend } from '@darl/tensor-backend';
import { transformerConfig } from './config.js';
import { applyTransformer, initTransformer, type TransformerParams } from './transformer.js';
import { rasterPositions } from './positions.js';
import { applyBlock } from './block.js';
import { applyAttention } from './attention.js';
import { applyMlp } from './mlp.js';
import { applyLinear, initLinear } from './linear.js';
import { applyLayerNorm, initLayerNorm } from './layer-norm.js';
import { applyRope, ropeTables } from './rope.js';

describe('shape errors', () => {
  const config = transformerConfig({ preset: 'tiny' });
  const positions = rasterPositions(1, 4); // L = 4
  let params: TransformerParams;
  let good: tf.Tensor3D;
  let bad: tf.Tensor3D;
  beforeAll(async () => {
    await useBackend('cpu');
    params = initTransformer(config, { seed: 1 });
    good = tf.zeros([2, 4, 32]);
    bad = tf.zeros([2, 4, 24]);
  });
  afterAll(() => {
    disposeTree(params);
    tf.dispose([good, bad]);
  });

  it('applyTransformer names "tokens" and both shapes', () => {
    expect(() => applyTransformer(params, config, bad, { positions })).toThrow(ShapeError);
    expect(() => applyTransformer(params, config, bad, { positions })).toThrow(
      'applyTransformer: "tokens" must have shape [B, L, 32], got [2, 4, 24] (dimension 2 is 24, expected 32).',
    );
    const flat = tf.zeros([8, 32]);
    expect(() => applyTransformer(params, config, flat as tf.Tensor3D, { positions })).toThrow(/"tokens" must have shape \[B, L, 32\], got \[8, 32\] \(rank 2 instead of 3\)/);
    flat.dispose();
  });

  it('applyTransformer names "positions"', () => {
    expect(() => applyTransformer(params, config, good, {})).toThrow(/applyTransformer: "positions" is required for position "rope2d"/);
    expect(() => applyTransformer(params, config, good, { positions: rasterPositions(1, 3) })).toThrow(
      /applyTransformer: "positions.rows" must have length L=4 \(one per token of "tokens"\), got 3/,
    );
    expect(() =>
      applyTransformer(params, config, good, { positions: { rows: positions.rows, cols: new Int32Array(5) } }),
    ).toThrow(/"positions.cols" must have length L=4/);
  });

  it('applyTransformer rejects params of another config', () => {
    const wide = transformerConfig({ preset: 'tiny', width: 64 });
    const g = tf.zeros([2, 4, 64]) as tf.Tensor3D;
    expect(() => applyTransformer(params, wide, g, { positions })).toThrow(/"params.blocks\[0\].attn.wqkv" must have shape \[64, 192\], got \[32, 96\]/);
    expect(() => applyTransformer(params, transformerConfig({ preset: 'tiny', depth: 3 }), good, { positions })).toThrow(/"params" has 2 blocks but config.depth is 3/);
    const learned = transformerConfig({ preset: 'tiny', position: 'learned' });
    expect(() => applyTransformer(params, learned, good)).toThrow(/"params.pos" is missing/);
    expect(() => applyTransformer(params, config, good, { positions, attention: 'bidirectional' as never })).toThrow(/"attention" must be "causal" or "full"/);
    g.dispose();
  });

  it('layers name their arguments', () => {
    const b = params.blocks[0]!;
    expect(() => applyBlock(b, config, bad)).toThrow('applyBlock: "x" must have shape [B, L, 32], got [2, 4, 24] (dimension 2 is 24, expected 32).');
    expect(() => applyAttention(b.attn, config, bad)).toThrow(/applyAttention: "x" must have shape \[B, L, 32\], got \[2, 4, 24\]/);
    expect(() => applyMlp(b.mlp, config, bad)).toThrow(/applyMlp: "x" must have shape \[B, L, 32\], got \[2, 4, 24\]/);
    const lin = initLinear(32, 8, { seed: 1 });
    expect(() => applyLinear(lin, bad)).toThrow(/applyLinear: "x" must have shape \[\*, \*, in=32\], got \[2, 4, 24\]/);
    const ln = initLayerNorm(32);
    expect(() => applyLayerNorm(ln, bad)).toThrow(/applyLayerNorm: "x" must have shape \[\*, \*, D=32\], got \[2, 4, 24\]/);
    const tables = ropeTables([positions.rows, positions.cols], 16, 100);
    const q = tf.zeros([4, 5, 16]);
    expect(() => applyRope(q, tables)).toThrow(/applyRope: "x" must have shape \[\*, L=4, dh=16\], got \[4, 5, 16\]/);
    const rope = ropeTables([rasterPositions(1, 3).rows, rasterPositions(1, 3).cols], 16, 100);
    expect(() => applyAttention(b.attn, config, good, { rope })).toThrow(/applyAttention: "rope.cos" must have shape \[4, 16\], got \[3, 16\]/);
    disposeTree([lin.w, lin.b, ln.gamma, ln.beta, tables.cos, tables.sin, tables.swap, rope.cos, rope.sin, rope.swap, q]);
  });
});
