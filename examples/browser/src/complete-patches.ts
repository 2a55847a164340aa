/**
 * Prefix completion one patch at a time, written out from darl's public pieces (the same loop as `generate` in
 * `@darl/darl`, which a test checks it equals) so that a page can show every patch as it is predicted and, for the
 * diffusion objective, every denoising step of the current patch.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { diffusionHeadConfigFor, inputTokens, toPatchSequence, type DarlModel, type DarlParams } from '@darl/darl';
import { ddimStep, ddpmStep, predictX0, samplingGammas, samplingSchedule, type DiffusionHeadParams, type Sampler } from '@darl/diffusion';
import { unorderPatches, unpatchify } from '@darl/patch-data';
import { Rng } from '@darl/tensor-backend';
import { applyLinear, slicePositions } from '@darl/transformer';

/** Options of {@link completePatchByPatch}. */
export interface CompletionOptions {
  /** Images whose first `patches` patches (in sequence order) are kept: float32 [N, H, W, C] in the model's scale. */
  readonly images: tf.Tensor4D;
  readonly patches: number;
  /** Diffusion: denoising steps per patch and sampler (defaults from the run's `model.diffusion`). */
  readonly steps?: number;
  readonly sampler?: Sampler;
  readonly temperature?: number;
  readonly seed?: number;
}

/** One predicted patch. */
export interface CompletionEvent {
  /** Sequence index of the patch just predicted (0-based); patches 0…index are now known. */
  readonly index: number;
  /** The image so far, float32 [N·H·W·C]: known patches, unknown ones at 0. */
  readonly image: Float32Array;
  /** Diffusion only: the current patch after each denoising step, each float32 [N·D] (raster order inside the patch). */
  readonly denoising?: readonly Float32Array[];
}

/**
 * Completes `images` after their first `patches` patches, yielding after each predicted patch (an async generator:
 * it reads each step's pixels with `await data()`, which every backend, WebGPU included, supports).
 * @returns (when the generator finishes) the completed images, float32 [N, H, W, C] (caller owns)
 */
export async function* completePatchByPatch(model: DarlModel, params: DarlParams, opts: CompletionOptions): AsyncGenerator<CompletionEvent, tf.Tensor4D, void> {
  const n = opts.images.shape[0];
  const L = model.length;
  const k = opts.patches;
  if (!Number.isInteger(k) || k < 0 || k >= L) throw new RangeError(`completePatchByPatch: patches must be an integer in 0…${L - 1}, got ${k}.`);
  const rng = new Rng(opts.seed ?? 0);
  const temperature = opts.temperature ?? 1;
  const diffusion = model.head.kind === 'diffusion' ? diffusionHeadConfigFor(model.config.diffusion, model.backbone.width, model.patchDim) : null;
  const steps = opts.steps ?? model.config.diffusion.sampleSteps;
  const sampler = opts.sampler ?? model.config.diffusion.sampler;

  const known: tf.Tensor2D[] = []; // each [N, D], in sequence order
  const cache = model.backbone.createCache(n);
  let condition: tf.Tensor2D | null = null;
  try {
    condition = tf.tidy(() => {
      const seq = toPatchSequence(model, opts.images);
      const given = tf.slice(seq, [0, 0, 0], [n, k, model.patchDim]);
      if (k > 0) for (const p of tf.unstack(given, 1)) known.push(tf.keep(p as tf.Tensor2D));
      const tokens = inputTokens(model, params, given, { dropLast: false }); // [N, k+1, C]
      const { output } = model.backbone.apply(params.backbone, tokens, { positions: slicePositions(model.positions, 0, k + 1), attention: 'causal', cache });
      return tf.reshape(tf.slice(output, [0, k, 0], [n, 1, model.backbone.width]), [n, model.backbone.width]) as tf.Tensor2D;
    });
    for (let t = k; t < L; t++) {
      let next: tf.Tensor2D;
      const denoising: Float32Array[] = [];
      if (diffusion) {
        // sampleDiffusion's loop, keeping each step's x.
        const headParams = params.head as DiffusionHeadParams;
        const gammas = samplingGammas(steps, samplingSchedule(diffusion));
        const stepOpts = { rng, temperature, eta: 0 };
        let x = rng.normal([n, model.patchDim]) as tf.Tensor2D;
        for (let i = 0; i < steps; i++) {
          const [now, after] = [gammas[i]!, gammas[i + 1]!];
          const cond = condition;
          const stepped: tf.Tensor2D = tf.tidy(() => {
            const x0 = predictX0(headParams, diffusion, x, cond, now);
            return sampler === 'ddim' ? ddimStep(x, x0, now, after, stepOpts) : ddpmStep(x, x0, now, after, stepOpts);
          });
          x.dispose();
          x = stepped;
          denoising.push((await x.data()) as Float32Array);
        }
        next = x;
      } else {
        next = model.head.predict(params.head, condition, { temperature, rng });
      }
      condition.dispose();
      condition = null;
      known.push(next);
      yield { index: t, image: await imageSoFar(model, known, n), ...(diffusion ? { denoising } : {}) };
      if (t === L - 1) break;
      condition = tf.tidy(() => {
        const token = tf.reshape(applyLinear(params.embed, next), [n, 1, model.backbone.width]) as tf.Tensor3D;
        const { output } = model.backbone.apply(params.backbone, token, { positions: slicePositions(model.positions, t + 1, t + 2), attention: 'causal', cache });
        return tf.reshape(output, [n, model.backbone.width]) as tf.Tensor2D;
      });
    }
    return tf.tidy(() => toImages(model, tf.stack(known, 1) as tf.Tensor3D));
  } finally {
    condition?.dispose();
    for (const p of known) p.dispose();
    model.backbone.disposeCache(cache);
  }
}

/** Patch sequence [N, L, D] (sequence order) → images [N, H, W, C]. */
function toImages(model: DarlModel, seq: tf.Tensor3D): tf.Tensor4D {
  const { height, width, channels } = model.config.image;
  return unpatchify(unorderPatches(seq, model.order), { height, width, channels, patchSize: model.config.patchSize }) as tf.Tensor4D;
}

/** The known patches placed in their images, the rest at 0: float32 [N·H·W·C] (read asynchronously). */
async function imageSoFar(model: DarlModel, known: tf.Tensor2D[], n: number): Promise<Float32Array> {
  const images = tf.tidy(() => {
    const seq = tf.stack(known, 1) as tf.Tensor3D;
    const rest = model.length - known.length;
    const full = rest > 0 ? tf.concat([seq, tf.zeros([n, rest, model.patchDim])], 1) : seq;
    return toImages(model, full as tf.Tensor3D);
  });
  try {
    return (await images.data()) as Float32Array;
  } finally {
    images.dispose();
  }
}
