/**
 * The DARL model: image → patches in a patch order → `[SOS, p1 … p(L−1)]` → causal backbone → head predicting
 * `[p1 … pL]`. A {@link DarlModel} is the composition (config, backbone, head, patch order, positions) and holds no
 * tensors; parameters are a separate tree ({@link DarlParams}) passed to pure functions.
 *
 * Glossary: B batch, H×W×Ch image, P patch size, L = (H/P)(W/P) patches, D = P·P·Ch patch dimension, C backbone width.
 *
 * Positions: input token t (SOS for t = 0, else patch t in sequence order) carries the grid (row, column) of the
 * patch it predicts, patch t+1. So every patch order is well-posed — each output knows where its target lies — and
 * SOS has the well-defined position of the first patch.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  customOrder,
  nestedRasterOrder,
  normPixTargets,
  orderPatches,
  patchify,
  randomOrder,
  rasterOrder,
  type PatchOrder,
} from '@darl/patch-data';
import { autoregressiveInputs, initLinear, type LinearParams, type TokenPositions } from '@darl/transformer';
import { assertShape, Rng, type TensorTree } from '@darl/tensor-backend';

/** A DARL parameter tree viewed as a generic tensor tree (for optimisers, checkpoints). */
export function paramTree(params: DarlParams): TensorTree<tf.Variable> {
  return params as unknown as TensorTree<tf.Variable>;
}
import { darlConfigSchema, type DarlConfig, type DarlConfigInput } from '../config/schema.js';
import { ConfigError, isValidated, parseConfig } from '../config/validate.js';
import { backboneConfigFor } from '../config/backbone-config.js';
import { transformerBackbone, type DarlBackbone } from './backbone.js';
import { checkBackbone, checkHead } from './check-parts.js';
import type { DarlHead } from './head.js';
import { resolvePart, type DarlBackbonePart, type DarlBackboneSizes, type DarlHeadPart, type DarlHeadSizes } from './parts.js';
import type { DarlObjective } from './objective.js';
import { OBJECTIVES } from './objectives.js';

/** The composition of a DARL model; no tensors. */
export interface DarlModel<BP = unknown, HP = unknown> {
  /** The validated model config it was built from. */
  readonly config: DarlConfig;
  /** The sequence model over patch tokens. */
  readonly backbone: DarlBackbone<BP>;
  /** The per-patch prediction head and loss. */
  readonly head: DarlHead<HP>;
  /** The order in which the patches form the autoregressive sequence. */
  readonly order: PatchOrder;
  /** Patch grid: rows × cols = L. */
  readonly grid: {
    /** Patch rows H/P. */
    readonly rows: number;
    /** Patch columns W/P. */
    readonly cols: number;
  };
  /** L, the number of patches (= sequence length). */
  readonly length: number;
  /** D = P·P·channels. */
  readonly patchDim: number;
  /** Position of each of the L input tokens (that of the patch it predicts). */
  readonly positions: TokenPositions;
}

/** Parameters of a DARL model (a tree of tf.Variables). */
export interface DarlParams<BP = unknown, HP = unknown> {
  /** Patch embedding D → C. */
  readonly embed: LinearParams;
  /** Learned start-of-sequence token, [1, 1, C]. */
  readonly sos: tf.Variable;
  /** The backbone's variables. */
  readonly backbone: BP;
  /** The head's variables. */
  readonly head: HP;
}

/**
 * Options to swap parts of the model. Each part is an instance or a factory called with the model's sizes
 * ({@link DarlBackboneSizes}, {@link DarlHeadSizes}); `buildDarl` checks a given part's output shapes once.
 */
export interface BuildDarlOptions<BP, HP> {
  /** Replace the default Transformer backbone (the patch embedding maps D → its `width`). */
  readonly backbone?: DarlBackbonePart<BP>;
  /** Replace the head chosen by `config.objective` (it receives conditions `[N, C]` and targets `[N, D]`). */
  readonly head?: DarlHeadPart<HP>;
}

/** The patch order a config names. */
export function patchOrderFor(config: DarlConfig, rows: number, cols: number): PatchOrder {
  const o = config.patchOrder;
  if (o.permutation && o.kind !== 'custom') {
    const order = customOrder(rows, cols, Int32Array.from(o.permutation));
    return { ...order, name: o.kind === 'raster' ? 'raster' : o.kind === 'nested' ? `nested-${o.block}` : `random-${o.seed}` };
  }
  switch (o.kind) {
    case 'raster':
      return rasterOrder(rows, cols);
    case 'nested':
      if (rows % o.block !== 0 || cols % o.block !== 0) {
        throw new ConfigError('model config', [
          `patchOrder.block ${o.block} does not divide the ${rows}×${cols} patch grid, so the nested order would cut blocks short. ` +
            `Choose a block that divides both (${[...Array(Math.min(rows, cols)).keys()].map((i) => i + 1).filter((b) => rows % b === 0 && cols % b === 0).join(', ')}).`,
        ]);
      }
      return nestedRasterOrder(rows, cols, o.block);
    case 'random':
      return randomOrder(rows, cols, o.seed);
    case 'custom':
      try {
        return customOrder(rows, cols, o.permutation);
      } catch (err) {
        // customOrder names the problem (length, range, duplicate); the config key is added here.
        throw new ConfigError('model config', [`patchOrder.permutation is not a permutation of the ${rows * cols} patches: ${(err as Error).message}`]);
      }
  }
}


/**
 * Validates `config` (filling defaults; a config returned by `parseConfig` is trusted as is) and composes the model.
 *
 * `image` is required: every size of the model (L, D = P·P·channels, the head's output) follows from it, and a
 * silently assumed image size only surfaces later as a shape mismatch. (Run configs validated by `runConfigSchema`
 * or `parseConfig` carry the run schema's documented default, 28×28×1, written into the config object, so they pass.)
 *
 * Custom parts (`opts.backbone`, `opts.head`) may be factories called with the model's sizes; each given part is
 * checked once with one tiny forward pass (batch 2, parameters from seed 0, disposed afterwards), and a part whose
 * outputs do not fit — a head predicting the wrong patch dimension, a backbone changing the width — throws a
 * `ShapeError` naming the part and both shapes. The built-in parts are built from the sizes and are not re-checked.
 *
 * @example
 * const model = buildDarl({ image: { height: 28, width: 28, channels: 1 }, objective: 'diffusion', backbone: { preset: 'small' } });
 * const params = initDarlParams(model, { seed: 0 });
 * @throws ConfigError for an invalid config or a missing `image`; ShapeError for a custom part that does not fit
 */
export function buildDarl<BP = unknown, HP = unknown>(
  input: DarlConfigInput | DarlConfig,
  opts: BuildDarlOptions<BP, HP> = {},
): DarlModel<BP, HP> {
  const config = isValidated(input) ? (input as DarlConfig) : parseConfig(darlConfigSchema, input, 'model config');
  if ((input as { image?: unknown }).image === undefined) {
    throw new ConfigError('model config', [
      '"image" is missing. buildDarl needs the image size to derive the patch grid and the patch dimension ' +
        '(D = patchSize² × channels); pass it, e.g. { image: { height: 28, width: 28, channels: 1 }, ... }.',
    ]);
  }
  const { height, width, channels } = config.image;
  const p = config.patchSize;
  const rows = height / p;
  const cols = width / p;
  const length = rows * cols;
  const order = patchOrderFor(config, rows, cols);
  const patchDim = p * p * channels;
  const positions: TokenPositions = { rows: Int32Array.from(order.positions.rows), cols: Int32Array.from(order.positions.cols) };
  const sizes: DarlBackboneSizes = { config, image: config.image, patchSize: p, grid: { rows, cols }, length, patchDim };
  const backbone = (opts.backbone ? resolvePart(opts.backbone, sizes) : transformerBackbone(backboneConfigFor(config, length))) as DarlBackbone<BP>;
  if (opts.backbone) checkBackbone(backbone, length, positions);
  const settings = (config as Record<string, unknown>)[config.objective];
  const headSizes: DarlHeadSizes = { ...sizes, width: backbone.width, settings };
  const objective = OBJECTIVES[config.objective] as DarlObjective<unknown>;
  const head = (opts.head ? resolvePart(opts.head, headSizes) : objective.head(settings, backbone.width, patchDim)) as DarlHead<HP>;
  if (opts.head) checkHead(head, backbone.width, patchDim);
  return { config, backbone, head, order, grid: { rows, cols }, length, patchDim, positions };
}

/** Creates all parameters of `model` from one seed (each part gets its own derived stream). */
export function initDarlParams<BP, HP>(
  model: DarlModel<BP, HP>,
  opts: { seed: number },
): DarlParams<BP, HP> {
  const rng = new Rng(opts.seed);
  const [embedSeed, sosSeed, backboneSeed, headSeed] = Array.from({ length: 4 }, () => rng.nextUint32());
  const width = model.backbone.width;
  return {
    embed: initLinear(model.patchDim, width, { seed: embedSeed!, init: 'xavier' }),
    sos: tf.tidy(() => tf.variable(new Rng(sosSeed!).truncatedNormal([1, 1, width], { std: 0.02 }), true)),
    backbone: model.backbone.init(backboneSeed!),
    head: model.head.init(headSeed!),
  };
}

/**
 * Images → patch sequence in the model's order.
 * @param images float32 [B, H, W, Ch], already scaled (e.g. to [−1, 1])
 * @returns float32 [B, L, D]
 */
export function toPatchSequence(model: DarlModel, images: tf.Tensor4D): tf.Tensor3D {
  const { height, width, channels } = model.config.image;
  assertShape('toPatchSequence', 'images', images.shape, ['B', height, width, channels]);
  return tf.tidy(() => orderPatches(patchify(images, model.config.patchSize), model.order) as tf.Tensor3D);
}

/**
 * The backbone's input tokens for a patch sequence: `[SOS, embed(p1) … embed(p(L−1))]` (`@darl/transformer`'s
 * `autoregressiveInputs` with the model's SOS token and patch embedding).
 * @param patches float32 [B, L, D] (or [B, k, D] for a prefix: then k+1 tokens are returned, the last predicting p(k+1))
 * @returns float32 [B, L, C] (or [B, k+1, C])
 */
export function inputTokens(_model: DarlModel, params: DarlParams, patches: tf.Tensor3D, opts: { dropLast: boolean }): tf.Tensor3D {
  return autoregressiveInputs(patches, params.sos, { embed: params.embed, dropLast: opts.dropLast });
}

/** What {@link darlLoss} returns. */
export interface DarlLoss {
  /** Mean loss over every target and draw float32 `[]`. */
  readonly loss: tf.Scalar;
  /** Per-target loss [K·B·L], draw-major then batch then position. */
  readonly perTarget: tf.Tensor1D;
  /** K, noise draws per target (1 unless the diffusion head's `batchMultiplier` is larger). */
  readonly draws: number;
  /** γ per draw (diffusion only), aligned with `perTarget`. */
  readonly gamma?: Float64Array;
}

/**
 * The DARL training loss for a batch of images. Differentiable in `params`; call inside a gradient closure.
 * @param images float32 [B, H, W, Ch], scaled like the training data
 * @param opts.rng noise draws (diffusion) and drop-path
 */
export function darlLoss(model: DarlModel, params: DarlParams, images: tf.Tensor4D, opts: { rng: Rng; train?: boolean }): DarlLoss {
  const patches = toPatchSequence(model, images); // [B, L, D]
  try {
    const [b, l, d] = patches.shape;
    const targets = model.config.normPix
      ? tf.tidy(() => normPixTargets(patches).targets as tf.Tensor3D)
      : patches;
    try {
      const tokens = inputTokens(model, params, patches, { dropLast: true }); // [B, L, C]
      const out = tf.tidy(() => {
        const { output } = model.backbone.apply(params.backbone, tokens, {
          positions: model.positions,
          attention: 'causal',
          ...(opts.train ? { rng: opts.rng } : {}),
        });
        return output;
      });
      tokens.dispose();
      const conditions = tf.reshape(out, [b * l, model.backbone.width]) as tf.Tensor2D;
      out.dispose();
      const flatTargets = tf.reshape(targets, [b * l, d]) as tf.Tensor2D;
      const r = model.head.loss(params.head, flatTargets, conditions, opts.rng);
      conditions.dispose();
      flatTargets.dispose();
      return { loss: r.loss, perTarget: r.perTarget, draws: r.draws, ...(r.gamma ? { gamma: r.gamma } : {}) };
    } finally {
      if (targets !== patches) targets.dispose();
    }
  } finally {
    patches.dispose();
  }
}
