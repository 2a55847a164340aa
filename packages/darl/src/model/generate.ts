/**
 * Autoregressive generation with a KV cache: for each next patch, one backbone step on the newest token, then the
 * head predicts the patch (a diffusion sample, or the MSE mean), which becomes the next input.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { unorderPatches, unpatchify } from '@darl/patch-data';
import { applyLinear, type TokenPositions } from '@darl/transformer';
import { assertShape, Rng } from '@darl/tensor-backend';
import { inputTokens, toPatchSequence, type DarlModel, type DarlParams } from './darl-model.js';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Number of images (ignored when `prefix` is given: its batch size is used). */
  readonly n?: number;
  /** Prefix completion: the first `patches` patches (in sequence order) of `images` are kept, the rest generated. */
  readonly prefix?: { readonly images: tf.Tensor4D; readonly patches: number };
  /** Refinement steps per patch (diffusion: denoising steps); default from the head's config. */
  readonly steps?: number;
  /** The head's sampler (diffusion: `ddim` or `ddpm`); default from the head's config. */
  readonly sampler?: string;
  /**
   * Scales the noise a stochastic sampler injects (diffusion `ddpm`, or `ddim` with η > 0); 1 = the model's
   * distribution. DDIM with η = 0 (the default) injects none, so there it changes nothing. Ignored by MSE models.
   */
  readonly temperature?: number;
  readonly seed?: number;
}

function positionsSlice(p: TokenPositions, start: number, end: number): TokenPositions {
  return { rows: p.rows.slice(start, end), cols: p.cols.slice(start, end) };
}

/**
 * Generates images. MSE models produce their mean prediction at every step (deterministic); diffusion models sample.
 * @returns float32 [N, H, W, Ch] in the model's pixel scale (e.g. [−1, 1]; clip before display)
 */
export function generate(model: DarlModel, params: DarlParams, opts: GenerateOptions = {}): tf.Tensor4D {
  if (model.config.normPix) {
    throw new Error(
      'generate: this model was trained with normPix targets, which discard each patch\'s mean and scale, so its ' +
        'predictions cannot be turned back into pixels. Train with normPix: false to generate images.',
    );
  }
  const { height, width, channels } = model.config.image;
  const L = model.length;
  const k = opts.prefix?.patches ?? 0;
  if (!Number.isInteger(k) || k < 0 || k > L) throw new Error(`generate: prefix.patches must be an integer in 0…${L}, got ${k}.`);
  const n = opts.prefix ? opts.prefix.images.shape[0] : (opts.n ?? 1);
  if (!Number.isInteger(n) || n < 1) throw new Error(`generate: n must be a positive integer, got ${opts.n}.`);
  if (opts.prefix) assertShape('generate', 'prefix.images', opts.prefix.images.shape, ['N', height, width, channels]);
  const rng = new Rng(opts.seed ?? 0);
  const sampleOpts = {
    ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
    ...(opts.sampler !== undefined ? { sampler: opts.sampler } : {}),
    temperature: opts.temperature ?? 1,
    rng,
  };

  const patches: tf.Tensor2D[] = []; // each [N, D], in sequence order
  const cache = model.backbone.createCache(n);
  try {
    // Prefix: SOS plus the k given patches in one chunk.
    let condition = tf.tidy(() => {
      let given: tf.Tensor3D;
      if (k > 0) {
        const seq = toPatchSequence(model, opts.prefix!.images);
        given = tf.slice(seq, [0, 0, 0], [n, k, model.patchDim]);
        for (const p of tf.unstack(given, 1)) patches.push(tf.keep(p as tf.Tensor2D));
      } else {
        given = tf.zeros([n, 0, model.patchDim]);
      }
      const tokens = inputTokens(model, params, given, { dropLast: false }); // [N, k+1, C]
      const take = Math.min(k + 1, L);
      const chunk = take < k + 1 ? tf.slice(tokens, [0, 0, 0], [n, take, model.backbone.width]) : tokens;
      const { output } = model.backbone.apply(params.backbone, chunk as tf.Tensor3D, {
        positions: positionsSlice(model.positions, 0, take),
        attention: 'causal',
        cache,
      });
      return tf.reshape(tf.slice(output, [0, take - 1, 0], [n, 1, model.backbone.width]), [n, model.backbone.width]) as tf.Tensor2D;
    });
    if (k === L) condition.dispose(); // everything was given: nothing to predict
    for (let t = k; t < L; t++) {
      const next = model.head.predict(params.head, condition, sampleOpts); // patch t+1 (index t), [N, D]
      condition.dispose();
      patches.push(next);
      if (t === L - 1) break;
      condition = tf.tidy(() => {
        const token = tf.reshape(applyLinear(params.embed, next), [n, 1, model.backbone.width]) as tf.Tensor3D;
        const { output } = model.backbone.apply(params.backbone, token, {
          positions: positionsSlice(model.positions, t + 1, t + 2),
          attention: 'causal',
          cache,
        });
        return tf.reshape(output, [n, model.backbone.width]) as tf.Tensor2D;
      });
    }
    return tf.tidy(() => {
      const seq = tf.stack(patches, 1) as tf.Tensor3D; // [N, L, D]
      const raster = unorderPatches(seq, model.order);
      return unpatchify(raster, { height, width, channels, patchSize: model.config.patchSize }) as tf.Tensor4D;
    });
  } finally {
    for (const p of patches) p.dispose();
    model.backbone.disposeCache(cache);
  }
}
