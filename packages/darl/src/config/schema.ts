/**
 * The DARL model and training configuration: zod schemas with documented defaults. A config is plain JSON; every
 * default below is the value a run gets when the key is omitted.
 *
 * @module
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const probability = z.number().min(0).max(1);

/** Patch order of the autoregressive sequence. */
export const patchOrderSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('raster') }),
  z.strictObject({ kind: z.literal('nested'), block: positiveInt }),
  z.strictObject({ kind: z.literal('random'), seed: z.number().int() }),
  z.strictObject({ kind: z.literal('custom'), permutation: z.array(nonNegInt) }),
]);

/** Backbone shape: a preset name of @darl/transformer plus explicit overrides. */
export const backboneSchema = z.strictObject({
  /** @darl/transformer preset the explicit fields override (default 'tiny'). */
  preset: z.enum(['tiny', 'small', 'vit-s', 'vit-b', 'vit-l', 'vit-h']).default('tiny'),
  width: positiveInt.optional(),
  depth: positiveInt.optional(),
  heads: positiveInt.optional(),
  mlpRatio: z.number().positive().optional(),
  layerNormEps: z.number().positive().optional(),
  init: z.enum(['trunc-normal', 'xavier']).optional(),
  dropPath: z.number().min(0).max(0.9).optional(),
});

/** Noise-level distribution for the diffusion objective: γ per patch. */
export const noiseLevelSchema = z.discriminatedUnion('kind', [
  /** γ ~ Beta(a, b) directly (the paper's tailored family). */
  z.strictObject({ kind: z.literal('beta'), a: z.number().positive(), b: z.number().positive() }),
  /** γ = schedule(t), t ~ U(0, 1), optionally with a log-SNR shift. */
  z.strictObject({
    kind: z.literal('schedule'),
    schedule: z.enum(['cosine', 'linear', 'sigmoid']),
    shift: z.number().optional(),
  }),
]);

/** Settings of the diffusion objective (used when objective = 'diffusion'). */
export const diffusionSchema = z.strictObject({
  decoder: z
    .strictObject({
      kind: z.enum(['mlp', 'transformer']).default('mlp'),
      depth: positiveInt.default(3),
      width: positiveInt.default(256),
      heads: positiveInt.default(4),
      gammaInput: z.boolean().default(true),
    })
    .prefault({}),
  /** Default Beta(1, 2): skewed towards high noise (small γ), as the paper reports works best. */
  noiseLevels: noiseLevelSchema.default({ kind: 'beta', a: 1, b: 2 }),
  prediction: z.enum(['x0', 'eps', 'v']).default('x0'),
  weighting: z.enum(['none', 'snr', 'min-snr']).default('none'),
  /** K noise draws per patch sharing one backbone pass (MAR's diffusion batch multiplier). */
  batchMultiplier: positiveInt.max(64).default(1),
  /** Sampling defaults for `generate`. */
  sampleSteps: positiveInt.max(1000).default(20),
  sampler: z.enum(['ddim', 'ddpm']).default('ddim'),
});

/** The DARL model. */
export const darlConfigSchema = z.strictObject({
  image: z
    .strictObject({ height: positiveInt.default(28), width: positiveInt.default(28), channels: positiveInt.max(4).default(1) })
    .prefault({}),
  patchSize: positiveInt.default(4),
  patchOrder: patchOrderSchema.default({ kind: 'raster' }),
  backbone: backboneSchema.prefault({}),
  position: z.enum(['rope2d', 'rope1d', 'learned', 'sincos2d', 'none']).default('rope2d'),
  objective: z.enum(['mse', 'diffusion']).default('mse'),
  diffusion: diffusionSchema.prefault({}),
  /** Per-patch normalised targets (MAE's norm-pix loss). */
  normPix: z.boolean().default(false),
});

/** Training settings. */
export const trainConfigSchema = z.strictObject({
  steps: positiveInt.default(1000),
  /**
   * Wall-clock training budget in seconds; 0 (default) disables it. When > 0 the run ends as soon as either
   * horizon is reached — `budgetSeconds` of training time or `steps` steps — and the cosine decay follows
   * progress = max(training seconds / budgetSeconds, step / steps), so on a time-bound run (steps set high) the
   * schedule follows elapsed time and runs are comparable across machines. Training time counts data loading and
   * optimiser steps, not sample grids or checkpoint writes; it is recorded in state.json and carried across resumes.
   * Warm-up stays `warmupSteps` steps.
   */
  budgetSeconds: z.number().nonnegative().default(0),
  batchSize: positiveInt.default(64),
  /** Peak learning rate after warm-up. */
  lr: z.number().positive().max(1).default(1e-3),
  /** Final learning rate of the cosine decay. */
  minLr: z.number().nonnegative().default(1e-5),
  warmupSteps: nonNegInt.default(100),
  weightDecay: z.number().nonnegative().default(0.05),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.95),
  /** Global-norm gradient clipping; 0 disables. */
  clipNorm: z.number().nonnegative().default(1),
  /** Micro-batches accumulated per optimiser step. */
  accumulate: positiveInt.default(1),
  /** EMA decay of the weights; 0 disables. */
  ema: probability.lt(1).default(0),
  seed: z.number().int().default(0),
  /** Random horizontal flips / crops during pretraining. */
  augment: z.enum(['none', 'crop', 'flip', 'crop+flip']).default('none'),
  logEvery: positiveInt.default(10),
  sampleEvery: nonNegInt.default(0),
  /** Checkpoint every this many steps (0: by time only, see checkpointMinutes). */
  checkpointEvery: nonNegInt.default(0),
  /** Also checkpoint when this many minutes passed since the last one (0 disables); a run always checkpoints at its end. */
  checkpointMinutes: z.number().nonnegative().default(5),
  /** Committed checkpoints kept in the run directory (the newest ones). */
  keepCheckpoints: positiveInt.max(1000).default(2),
  /** Images used to measure validation loss at the end (0 disables). */
  evalImages: nonNegInt.default(512),
});

/** A whole run: model plus training. */
export const runConfigSchema = z.strictObject({
  model: darlConfigSchema.prefault({}),
  train: trainConfigSchema.prefault({}),
});

export type DarlConfig = z.output<typeof darlConfigSchema>;
export type DarlConfigInput = z.input<typeof darlConfigSchema>;
export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;
export type NoiseLevelConfig = z.output<typeof noiseLevelSchema>;
export type PatchOrderConfig = z.output<typeof patchOrderSchema>;
