/**
 * The one-time shape check of custom parts: `buildDarl` initialises a user's backbone or head from a fixed seed, runs
 * one tiny forward pass (batch 2) and compares the output shapes with the model's sizes, so that a part built for the
 * wrong image or width fails at build time with a `ShapeError` naming the part, instead of as a tfjs broadcast error
 * deep in training. The parameters of the check are disposed before returning.
 *
 * Glossary: B = 2 (the check's batch), L patches, C backbone width, D patch dimension, N = 2 conditions, K draws.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeTree, isUserError, Rng, ShapeError, type TensorTree } from '@darl/tensor-backend';
import type { TokenPositions } from '@darl/transformer';
import type { DarlBackbone } from './backbone.js';
import type { DarlHead } from './head.js';

const BATCH = 2;
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/** Runs `fn`, turning a plain error (a tfjs shape failure inside the part) into a ShapeError naming the part. */
function explained<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isUserError(err)) throw err;
    throw new ShapeError(`${what} failed: ${(err as Error).message}. The part was probably built for other sizes; pass a factory (sizes) => part to get this model's sizes.`);
  }
}

function disposeParams(params: unknown): void {
  disposeTree(params as TensorTree);
}

/**
 * Checks a custom backbone: `apply` on tokens `[2, L, C]` must return `output` `[2, L, C]` and, with `returnHidden`,
 * `depth` hidden states `[2, L, C]` (the features read them).
 */
export function checkBackbone(backbone: DarlBackbone<unknown>, length: number, positions: TokenPositions): void {
  const name = `buildDarl: the custom backbone "${backbone.kind}"`;
  const want: [number, number, number] = [BATCH, length, backbone.width];
  const params = explained(`${name}'s init`, () => backbone.init(0));
  try {
    tf.tidy(() => {
      const tokens = tf.zeros(want) as tf.Tensor3D;
      const r = explained(`${name} on tokens ${fmt(want)}`, () =>
        backbone.apply(params, tokens, { positions, attention: 'causal', returnHidden: true }),
      );
      if (!same(r.output.shape, want)) {
        throw new ShapeError(`${name} returned output ${fmt(r.output.shape)} for tokens ${fmt(want)}; it must return [B, L, C] = ${fmt(want)} (C = its width ${backbone.width}).`);
      }
      const hidden = r.hidden ?? [];
      if (hidden.length !== backbone.depth) {
        throw new ShapeError(`${name} returned ${hidden.length} hidden states with returnHidden; it must return one per block (depth ${backbone.depth}).`);
      }
      hidden.forEach((h, i) => {
        if (!same(h.shape, want)) throw new ShapeError(`${name} returned hidden[${i}] ${fmt(h.shape)}; every hidden state must be [B, L, C] = ${fmt(want)}.`);
      });
    });
  } finally {
    disposeParams(params);
  }
}

/**
 * Checks a custom head: `loss` on targets `[2, D]` and conditions `[2, C]` must return a scalar loss and `perTarget`
 * `[K·2]`; `predict` (one refinement step) on conditions `[2, C]` must return `[2, D]`.
 */
export function checkHead(head: DarlHead<unknown>, width: number, patchDim: number): void {
  const name = `buildDarl: the custom head "${head.kind}"`;
  const targetShape: [number, number] = [BATCH, patchDim];
  const conditionShape: [number, number] = [BATCH, width];
  const params = explained(`${name}'s init`, () => head.init(0));
  try {
    tf.tidy(() => {
      const targets = tf.zeros(targetShape) as tf.Tensor2D;
      const conditions = tf.zeros(conditionShape) as tf.Tensor2D;
      const on = `on targets [N, D] = ${fmt(targetShape)} and conditions [N, C] = ${fmt(conditionShape)}`;
      const r = explained(`${name}'s loss ${on}`, () => head.loss(params, targets, conditions, new Rng(0)));
      if (r.loss.rank !== 0) throw new ShapeError(`${name}'s loss ${on} returned loss ${fmt(r.loss.shape)}; it must be a scalar [].`);
      const perTarget = [r.draws * BATCH];
      if (!same(r.perTarget.shape, perTarget)) {
        throw new ShapeError(`${name}'s loss ${on} returned perTarget ${fmt(r.perTarget.shape)}; it must be [K·N] = ${fmt(perTarget)} (K = draws ${r.draws}).`);
      }
      const pred = explained(`${name}'s predict on conditions ${fmt(conditionShape)}`, () =>
        head.predict(params, conditions, { steps: 1, temperature: 1, rng: new Rng(0) }),
      );
      if (!same(pred.shape, targetShape)) {
        throw new ShapeError(`${name}'s predict returned ${fmt(pred.shape)} for conditions ${fmt(conditionShape)}; it must return [N, D] = ${fmt(targetShape)} (D = this model's patch dimension ${patchDim}).`);
      }
    });
  } finally {
    disposeParams(params);
  }
}
