/**
 * Autoregressive inputs: a learned start-of-sequence token followed by the sequence shifted right by one, so that the
 * output at position t predicts element t+1 (`[SOS, x1 … x(L−1)]` → targets `[x1 … xL]`).
 *
 * Glossary: B batch, L sequence length, D input dimension (e.g. a patch P·P·Ch), C token width.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, ShapeError } from '@darl/tensor-backend';
import { applyLinear, type LinearParams } from './linear.js';

/** Options of {@link autoregressiveInputs}. */
export interface AutoregressiveInputOptions {
  /**
   * Drop the last element (default `true`): training inputs `[SOS, x1 … x(L−1)]`, L tokens for L targets. `false`
   * keeps it: `[SOS, x1 … xL]`, L + 1 tokens (a prompt whose last output predicts x(L+1), or a readout sequence).
   */
  readonly dropLast?: boolean;
  /** Embeds the kept elements D → C first (a Linear layer `w [D, C]`); without it the elements must already be [.., C]. */
  readonly embed?: LinearParams<tf.Tensor>;
}

/**
 * `[SOS, embed(x1) … embed(x(L−1))]`: the input tokens of a causal model trained to predict `x1 … xL`.
 * Only the kept elements are embedded (the dropped last one costs nothing).
 *
 * @param sequence float32 [B, L, D] (or [B, L, C] without `embed`); L may be 0 when `dropLast` is false
 * @param sos float32 [1, 1, C], the start token shared by every sequence
 * @returns float32 [B, L, C] (`dropLast`, the default) or [B, L + 1, C], owned by the caller
 * @example
 * const tokens = autoregressiveInputs(patches, params.sos, { embed: params.embed }); // [B, L, C]
 * const { output } = applyTransformer(params.backbone, config, tokens, { positions, attention: 'causal' });
 * // output[:, t] predicts patches[:, t]
 */
export function autoregressiveInputs(sequence: tf.Tensor3D, sos: tf.Tensor, opts: AutoregressiveInputOptions = {}): tf.Tensor3D {
  const dims = assertShape('autoregressiveInputs', 'sos', sos.shape, [1, 1, 'C']);
  if (opts.embed) assertShape('autoregressiveInputs', 'embed.w', opts.embed.w.shape, ['D', 'C'], dims);
  assertShape('autoregressiveInputs', 'sequence', sequence.shape, ['B', 'L', opts.embed ? 'D' : 'C'], dims);
  const dropLast = opts.dropLast ?? true;
  const [b, l, d] = sequence.shape;
  if (dropLast && l === 0) {
    throw new ShapeError('autoregressiveInputs: "sequence" has no elements (L = 0), so there is nothing to drop; pass { dropLast: false } for a prompt of SOS alone.');
  }
  return tf.tidy(() => {
    const kept = dropLast ? l - 1 : l;
    const start = tf.tile(sos, [b, 1, 1]) as tf.Tensor3D; // [B, 1, C]
    if (kept === 0) return start;
    const body = dropLast ? tf.slice(sequence, [0, 0, 0], [b, kept, d]) : sequence; // [B, kept, D]
    const tokens = opts.embed ? applyLinear(opts.embed, body) : body; // [B, kept, C]
    return tf.concat([start, tokens], 1) as tf.Tensor3D;
  });
}
