/**
 * The DARL model and training configuration: zod schemas with documented defaults. A config is plain JSON; every
 * default below is the value a run gets when the key is omitted.
 *
 * @module
 */
import { z } from 'zod';
import { isUserError, SettingError } from '@darl/tensor-backend';
import {
  DEFAULT_TRANSFORMER_PRESET,
  POSITION_ENCODINGS,
  TRANSFORMER_INITS,
  TRANSFORMER_PRESETS,
  TRANSFORMER_PRESET_NAMES,
} from '@darl/transformer';
import { backboneConfigFor } from './backbone-config.js';
import { customOrder, DEFAULT_PIXEL_SCALE, nestedRasterOrder, PIXEL_SCALES } from '@darl/patch-data';
import { OBJECTIVES, OBJECTIVE_NAMES } from '../model/objectives.js';
import type { DarlObjective } from '../model/objective.js';

const positiveInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const probability = z.number().min(0).max(1);

/**
 * The resolved order, as `config.json` records it: `permutation[i]` is the raster index of the i-th patch of the
 * sequence. When present it is used as is, so a reader needs neither darl's order code nor its RNG.
 */
const resolvedPermutation = z
  .array(nonNegInt)
  .optional()
  .describe('The resolved order: permutation[i] is the raster index of the i-th patch of the sequence (written by darl; used as is when present)');

/** Patch order of the autoregressive sequence (`@darl/patch-data`'s orders). */
export const patchOrderSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('raster').describe('Row by row, left to right'), permutation: resolvedPermutation }),
  z.strictObject({
    kind: z.literal('nested').describe('Raster order of block × block tiles, raster order inside each tile'),
    block: positiveInt.describe('Side of a tile in patches; must divide the patch grid'),
    permutation: resolvedPermutation,
  }),
  z.strictObject({
    kind: z.literal('random').describe('One fixed random permutation drawn from seed'),
    seed: z.number().int().describe('Seed of the permutation'),
    permutation: resolvedPermutation,
  }),
  z.strictObject({
    kind: z.literal('custom').describe('A permutation given by hand'),
    permutation: z.array(nonNegInt).describe('permutation[i] is the raster index of the i-th patch of the sequence'),
  }),
]);

/** Backbone shape: a `@darl/transformer` preset plus explicit overrides (its option lists and default preset). */
export const backboneSchema = z.strictObject({
  preset: z
    .enum(TRANSFORMER_PRESET_NAMES)
    .default(DEFAULT_TRANSFORMER_PRESET)
    .describe('@darl/transformer preset; the fields below override it (each defaults to the preset\'s value)'),
  width: positiveInt.optional().describe('Token width C of the backbone'),
  depth: positiveInt.optional().describe('Number of Transformer blocks'),
  heads: positiveInt.optional().describe('Attention heads (must divide width)'),
  mlpRatio: z.number().positive().optional().describe('MLP hidden width / width (width · mlpRatio must be an integer)'),
  layerNormEps: z.number().positive().optional().describe('LayerNorm epsilon'),
  ropeBase: z.number().gt(1).optional().describe('Base of the rotary position frequencies'),
  init: z.enum(TRANSFORMER_INITS).optional().describe('Weight initialisation scheme'),
  dropPath: z.number().min(0).lt(1).optional().describe('Stochastic-depth rate (drop path) during training'),
});

type Objectives = typeof OBJECTIVES;
/** Homomorphic over the table (key remapping drops objectives without settings), so each key keeps its doc comment. */
type Sections = {
  [K in keyof Objectives as Objectives[K] extends { settings: z.ZodType } ? K : never]: z.ZodPrefault<
    Extract<Objectives[K], { settings: z.ZodType }>['settings']
  >;
};

/** `model.<name>` for every objective with settings, from the objective table. */
function objectiveSections(): Sections {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, o] of Object.entries(OBJECTIVES) as [string, DarlObjective<unknown>][]) {
    if (o.settings) shape[name] = (o.settings as z.ZodType as z.ZodObject).prefault({});
  }
  return shape as unknown as Sections;
}

/** The sizes a model config implies: patch grid and sequence length (null when the patch size does not fit). */
function gridOf(c: { image: { height: number; width: number }; patchSize: number }): { rows: number; cols: number } | null {
  const { height, width } = c.image;
  return height % c.patchSize === 0 && width % c.patchSize === 0 ? { rows: height / c.patchSize, cols: width / c.patchSize } : null;
}

/** Adds a zod issue at `path` for a SettingError (or any user error) thrown by a lower package's constructor. */
function issueFrom(ctx: z.RefinementCtx, err: unknown, path: (key: string) => PropertyKey[]): void {
  if (!isUserError(err)) throw err;
  const key = err instanceof SettingError ? err.key : '';
  ctx.addIssue({ code: 'custom', path: path(key), message: err.message.replace(/^[\w ]+: /, '') });
}

/**
 * The DARL model. Option lists and defaults come from the packages that own them (`@darl/transformer`,
 * `@darl/diffusion` through the objective table); the cross-field checks run those packages' validating
 * constructors, so a config that parses builds.
 */
export const darlConfigSchema = z
  .strictObject({
    image: z
      .strictObject({
        height: positiveInt.default(28).describe('Image height in pixels'),
        width: positiveInt.default(28).describe('Image width in pixels'),
        channels: positiveInt.max(4).default(1).describe('Channels per pixel (1 grey, 3 RGB)'),
      })
      .prefault({})
      .describe('Size of the training images; the data must match it'),
    pixelScale: z
      .union([
        z.enum(PIXEL_SCALES),
        z.strictObject({
          mean: z.union([z.number(), z.array(z.number())]).describe('Mean subtracted from [0, 1] pixels: one number, or one per channel'),
          std: z
            .union([z.number().positive(), z.array(z.number().positive())])
            .describe('Standard deviation the centred pixels are divided by: one number, or one per channel'),
        }),
      ])
      .default(DEFAULT_PIXEL_SCALE)
      .describe(
        "How bytes become model input and outputs become pixels again (@darl/patch-data's PixelScale): a named scale or per-channel { mean, std } over [0, 1] pixels",
      ),
    patchSize: positiveInt.default(4).describe('Side P of the square patches; must divide the image height and width'),
    patchOrder: patchOrderSchema
      .default({ kind: 'raster' })
      .describe(
        'Order of the patches in the autoregressive sequence: raster, nested (raster of block × block tiles), random (seeded) or custom; config.json records the resolved permutation',
      ),
    backbone: backboneSchema.prefault({}).describe('Backbone shape: a @darl/transformer preset plus overrides'),
    position: z
      .enum(POSITION_ENCODINGS)
      .default(TRANSFORMER_PRESETS[DEFAULT_TRANSFORMER_PRESET].position)
      .describe('Position encoding of the backbone'),
    objective: z.enum(OBJECTIVE_NAMES).default(OBJECTIVE_NAMES[0]).describe('Prediction head and loss: the settings of `diffusion` live in `model.diffusion`'),
    ...objectiveSections(),
    normPix: z.boolean().default(false).describe("Per-patch normalised targets (MAE's norm-pix loss)"),
  })
  .superRefine((c, ctx) => {
    const grid = gridOf(c);
    if (!grid) {
      const fits = [1, 2, 4, 7, 8, 14, 16, 32].filter((q) => c.image.height % q === 0 && c.image.width % q === 0);
      ctx.addIssue({
        code: 'custom',
        path: ['patchSize'],
        message: `patchSize ${c.patchSize} does not divide the ${c.image.height}×${c.image.width} image; choose one that does (${fits.join(', ')})`,
      });
      return;
    }
    const length = grid.rows * grid.cols;
    if (length < 2) {
      ctx.addIssue({ code: 'custom', path: ['patchSize'], message: `patchSize ${c.patchSize} leaves ${length} patch; autoregression needs at least 2, so use a smaller one` });
      return;
    }
    try {
      if (c.patchOrder.kind === 'nested') nestedRasterOrder(grid.rows, grid.cols, c.patchOrder.block);
      if (c.patchOrder.permutation) customOrder(grid.rows, grid.cols, Int32Array.from(c.patchOrder.permutation));
    } catch (err) {
      issueFrom(ctx, err, () => ['patchOrder']);
    }
    let width = 0;
    try {
      width = backboneConfigFor(c, length).width;
    } catch (err) {
      issueFrom(ctx, err, (key) => (key === 'position' ? ['position'] : ['backbone', ...key.split('.').filter(Boolean)]));
      return;
    }
    const objective = OBJECTIVES[c.objective] as DarlObjective<unknown>;
    try {
      objective.head((c as Record<string, unknown>)[c.objective], width, c.patchSize * c.patchSize * c.image.channels);
    } catch (err) {
      issueFrom(ctx, err, (key) => [c.objective, ...key.split('.').filter(Boolean)]);
    }
  });

/** Training settings. */
export const trainConfigSchema = z.strictObject({
  steps: positiveInt.default(1000).describe('Optimiser steps of the run (the cosine decay ends here)'),
  budgetSeconds: z
    .number()
    .nonnegative()
    .default(0)
    .describe(
      'Wall-clock training budget in seconds; 0 disables it. When > 0 the run ends as soon as either horizon is reached — budgetSeconds of training time or steps steps — and the cosine decay follows progress = max(training seconds / budgetSeconds, step / steps), so on a time-bound run (steps set high) the schedule follows elapsed time and runs are comparable across machines. Training time counts data loading and optimiser steps, not sample grids or checkpoint writes; it is recorded in state.json and carried across resumes. Warm-up stays warmupSteps steps',
    ),
  batchSize: positiveInt.default(64).describe('Images per optimiser step (split into `accumulate` micro-batches)'),
  lr: z.number().positive().max(1).default(1e-3).describe('Peak learning rate after warm-up'),
  minLr: z.number().nonnegative().default(1e-5).describe('Final learning rate of the cosine decay'),
  warmupSteps: nonNegInt.default(100).describe('Linear learning-rate warm-up steps'),
  weightDecay: z.number().nonnegative().default(0.05).describe('AdamW decoupled weight decay'),
  beta1: z.number().min(0).lt(1).default(0.9).describe('AdamW β₁'),
  beta2: z.number().min(0).lt(1).default(0.95).describe('AdamW β₂'),
  clipNorm: z.number().nonnegative().default(1).describe('Global-norm gradient clipping; 0 disables'),
  accumulate: positiveInt.default(1).describe('Micro-batches accumulated per optimiser step'),
  ema: probability.lt(1).default(0).describe('EMA decay of the weights; 0 disables'),
  seed: z.number().int().default(0).describe('Seed of the run: initialisation, data order, noise draws, sample grids and evaluation'),
  augment: z.enum(['none', 'crop', 'flip', 'crop+flip']).default('none').describe('Random horizontal flips / crops during pretraining'),
  logEvery: positiveInt.default(10).describe('Steps between log lines'),
  sampleEvery: nonNegInt.default(0).describe('Steps between sample grids written to the run directory; 0 disables'),
  checkpointEvery: nonNegInt.default(0).describe('Checkpoint every this many steps (0: by time only, see checkpointMinutes)'),
  checkpointMinutes: z
    .number()
    .nonnegative()
    .default(5)
    .describe('Also checkpoint when this many minutes passed since the last one (0 disables); a run always checkpoints at its end'),
  keepCheckpoints: positiveInt.max(1000).default(2).describe('Committed checkpoints kept in the run directory (the newest ones)'),
  evalImages: nonNegInt.default(512).describe('Images used to measure validation loss at the end (0 disables)'),
});

/** A whole run: model plus training. */
export const runConfigSchema = z.strictObject({
  $schema: z.string().optional().describe('Where an editor finds the JSON Schema of this file (@darl/darl/run-config.schema.json); ignored by darl'),
  model: darlConfigSchema.prefault({}).describe('The model: image size, patches, backbone and objective'),
  train: trainConfigSchema.prefault({}).describe('Training: steps, batch, optimiser, checkpoints'),
});

/** A validated model config: every default filled in (the output of {@link darlConfigSchema}). */
export type DarlConfig = z.output<typeof darlConfigSchema>;
/** A model config as written: every key optional (the input of {@link darlConfigSchema}). */
export type DarlConfigInput = z.input<typeof darlConfigSchema>;
/** Validated training settings: every default filled in (the output of {@link trainConfigSchema}). */
export type TrainConfig = z.output<typeof trainConfigSchema>;
/** Training settings as written: every key optional (the input of {@link trainConfigSchema}). */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
/** A validated run config `{ model, train }` (the output of {@link runConfigSchema}). */
export type RunConfig = z.output<typeof runConfigSchema>;
/** A run config as written, e.g. a config.json: every key optional (the input of {@link runConfigSchema}). */
export type RunConfigInput = z.input<typeof runConfigSchema>;
/** A validated patch order (`model.patchOrder`). */
export type PatchOrderConfig = z.output<typeof patchOrderSchema>;
