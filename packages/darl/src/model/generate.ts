/**
 * Autoregressive generation with a KV cache: for each next patch, one backbone step on the newest token, then the
 * head predicts the patch (a diffusion sample, or the MSE mean), which becomes the next input. The loop is
 * `@darl/transformer`'s `decodeLoop` with the model's backbone, head and patch embedding.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { unorderPatches, unpatchify } from '@darl/patch-data';
import { applyLinear, decodeLoop } from '@darl/transformer';
import { assertShape, Rng } from '@darl/tensor-backend';
import { inputTokens, toPatchSequence, type DarlModel, type DarlParams } from './darl-model.js';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Number of images (ignored when `prefix` is given: its batch size is used). */
  readonly n?: number;
  /** Prefix completion: the first `patches` patches (in sequence order) of `images` are kept, the rest generated. */
  readonly prefix?: {
    /** The images to complete float32 `[N, H, W, Ch]`, scaled like the training data; not disposed. */
    readonly images: tf.Tensor4D;
    /** How many patches (in sequence order) are kept, 0 … L. */
    readonly patches: number;
  };
  /** Refinement steps per patch (diffusion: denoising steps); default from the head's config. */
  readonly steps?: number;
  /** The head's sampler (diffusion: `ddim` or `ddpm`); default from the head's config. */
  readonly sampler?: string;
  /**
   * Scales the noise a stochastic sampler injects (diffusion `ddpm`, or `ddim` with η > 0); 1 = the model's
   * distribution. DDIM with η = 0 (the default) injects none, so there it changes nothing. Ignored by MSE models.
   */
  readonly temperature?: number;
  /** Seed of the sampling noise (default 0): same seed, same images. */
  readonly seed?: number;
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
    if (k < L) {
      // The prompt: SOS plus the k given patches, one chunk; then one token per generated patch.
      const prompt = tf.tidy(() => {
        const given = k > 0 ? tf.slice(toPatchSequence(model, opts.prefix!.images), [0, 0, 0], [n, k, model.patchDim]) : tf.zeros([n, 0, model.patchDim]);
        for (const p of tf.unstack(given, 1)) patches.push(tf.keep(p as tf.Tensor2D));
        return inputTokens(model, params, given as tf.Tensor3D, { dropLast: false }); // [N, k+1, C]
      });
      try {
        const generated = decodeLoop({
          prompt,
          positions: model.positions,
          steps: L - k,
          forward: (tokens, positions) => model.backbone.apply(params.backbone, tokens, { positions, attention: 'causal', cache }).output,
          predict: (condition) => model.head.predict(params.head, condition, sampleOpts), // patch t+1 (index t), [N, D]
          embed: (patch) => applyLinear(params.embed, patch), // [N, D] → [N, C]
        });
        patches.push(...generated);
      } finally {
        prompt.dispose();
      }
    } else {
      // Everything was given: nothing to predict.
      tf.tidy(() => {
        for (const p of tf.unstack(toPatchSequence(model, opts.prefix!.images), 1)) patches.push(tf.keep(p as tf.Tensor2D));
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
