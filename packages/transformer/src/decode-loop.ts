/**
 * The KV-cache decode loop of an autoregressive model, with the reshapes between a step's output `[N, 1, C]` and the
 * condition `[N, C]` a prediction head takes. The model call, the head and the embedding are the caller's: the loop
 * works with any cached sequence model (e.g. `applyTransformer` with a `KVCache`) and any head (a linear map, a
 * diffusion sampler).
 *
 * Glossary: N sequences, T tokens of a chunk, C token width, D output dimension (e.g. a patch).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, ShapeError } from '@darl/tensor-backend';
import { slicePositions, type TokenPositions } from './positions.js';

/**
 * A cached causal model call: appends `tokens` (float32 [N, T, C], at `positions`, T entries) to its cache and
 * returns their outputs, float32 [N, T, C].
 *
 * @example
 * const cache = createKVCache(config, n);
 * const forward: CachedForward = (tokens, positions) =>
 *   applyTransformer(params, config, tokens, { positions, attention: 'causal', cache }).output;
 */
export type CachedForward = (tokens: tf.Tensor3D, positions: TokenPositions) => tf.Tensor3D;

/**
 * One decode step: runs `tokens` through `forward` at positions `start … start+T−1` of `positions` and returns the
 * output of the last token, the condition for the next prediction.
 *
 * @param tokens float32 [N, T, C]
 * @returns float32 [N, C], owned by the caller
 */
export function decodeStep(forward: CachedForward, tokens: tf.Tensor3D, positions: TokenPositions, start: number): tf.Tensor2D {
  const dims = assertShape('decodeStep', 'tokens', tokens.shape, ['N', 'T', null]);
  const n = dims.N!;
  const t = dims.T!;
  if (t < 1) throw new ShapeError('decodeStep: "tokens" must hold at least one token (T ≥ 1), got [' + tokens.shape.join(', ') + '].');
  return tf.tidy(() => {
    const output = forward(tokens, slicePositions(positions, start, start + t));
    assertShape('decodeStep', 'forward output', output.shape, [n, t, null]);
    const width = output.shape[2];
    return tf.reshape(tf.slice(output, [0, t - 1, 0], [n, 1, width]), [n, width]) as tf.Tensor2D; // [N, 1, C] → [N, C]
  });
}

/** Options of {@link decodeLoop}. */
export interface DecodeLoopOptions {
  /** The first chunk, float32 [N, T0, C] (e.g. SOS and the embedded prefix); its last output makes the first prediction. */
  readonly prompt: tf.Tensor3D;
  /** Positions of the whole sequence, token i at entry i; at least T0 + steps − 1 entries. */
  readonly positions: TokenPositions;
  /** Number of predictions to make (0 runs nothing). */
  readonly steps: number;
  /** The cached model (see {@link CachedForward}); the caller creates and disposes its cache. */
  readonly forward: CachedForward;
  /**
   * Prediction `i` (0-based) from its condition: float32 [N, C] → [N, D] (a sample or a mean). The condition is
   * disposed by the loop; the prediction is returned to the caller.
   */
  readonly predict: (condition: tf.Tensor2D, i: number) => tf.Tensor2D;
  /** The token that feeds prediction `i` back in: float32 [N, D] → [N, C] (e.g. a Linear patch embedding). */
  readonly embed: (prediction: tf.Tensor2D, i: number) => tf.Tensor2D;
}

/**
 * Autoregressive decoding with a KV cache: one `forward` over the prompt, then for each step the head predicts the
 * next element from the last output, which is embedded and fed back as a single token at the next position
 * (token i + T0 sits at `positions[T0 + i]`). Each step's work runs in its own `tf.tidy`.
 *
 * @returns `steps` predictions, each float32 [N, D], owned by the caller (disposed by the loop if it throws)
 * @example
 * const patches = decodeLoop({
 *   prompt: autoregressiveInputs(tf.zeros([n, 0, D]), sos, { embed, dropLast: false }), // [N, 1, C]: SOS alone
 *   positions, steps: L, forward,
 *   predict: (condition) => applyLinear(head, condition),          // [N, C] → [N, D]
 *   embed: (patch) => applyLinear(embed, patch),                    // [N, D] → [N, C]
 * });
 */
export function decodeLoop(opts: DecodeLoopOptions): tf.Tensor2D[] {
  const { prompt, positions, steps, forward } = opts;
  if (!Number.isInteger(steps) || steps < 0) throw new ShapeError(`decodeLoop: steps must be a non-negative integer, got ${steps}.`);
  const t0 = prompt.shape[1];
  if (steps > 0 && positions.rows.length < t0 + steps - 1) {
    throw new ShapeError(`decodeLoop: a prompt of ${t0} tokens and ${steps} steps need ${t0 + steps - 1} positions, got ${positions.rows.length}.`);
  }
  const out: tf.Tensor2D[] = [];
  if (steps === 0) return out;
  let condition: tf.Tensor2D | undefined;
  try {
    condition = decodeStep(forward, prompt, positions, 0);
    for (let i = 0; i < steps; i++) {
      const next = opts.predict(condition, i); // [N, D]
      condition.dispose();
      condition = undefined;
      out.push(next);
      if (i === steps - 1) break;
      condition = tf.tidy(() => {
        const token = tf.expandDims(opts.embed(next, i), 1) as tf.Tensor3D; // [N, C] → [N, 1, C]
        return decodeStep(forward, token, positions, t0 + i);
      });
    }
    return out;
  } catch (err) {
    condition?.dispose();
    for (const p of out) p.dispose();
    throw err;
  }
}
