/**
 * `state.json` of a checkpoint: everything besides tensors needed to continue a run exactly.
 *
 * @module
 */
import { z } from 'zod';
import { RUN_FORMAT } from './names.js';

const uint32 = z.number().int().min(0).max(0xffffffff);

/** Schema of `state.json`. */
export const runStateSchema = z.object({
  /** Format tag of the run directory, {@link RUN_FORMAT}. */
  format: z.literal(RUN_FORMAT),
  /** Optimiser steps completed. */
  step: z.number().int().nonnegative(),
  /** Data stream position after the last batch used. */
  cursor: z.strictObject({
    /** Epoch of the next batch, from 0. */
    epoch: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    /** Index of the next batch's first example in that epoch's shuffled order. */
    position: z.number().int().nonnegative(),
  }),
  /** Trainer random state (noise draws, drop-path): xoshiro128** words and the spare normal draw. */
  rng: z.strictObject({
    /** The four xoshiro128** state words (unsigned 32-bit, not all zero). */
    s: z.tuple([uint32, uint32, uint32, uint32]).readonly().refine((s) => s.some((w) => w !== 0), 'the random state must not be all zeros'),
    /** The cached second normal deviate, or null. */
    spare: z.number().finite().nullable(),
  }),
  /** Data specification the run trains on, e.g. "mnist". */
  data: z.string().min(1),
  /** Versions of the packages that wrote the run (darl's packages, tfjs), by package name. */
  versions: z.record(z.string(), z.string()),
  /** The backend the run trained on, as `useBackend` described it (name, precision, threads, ...). */
  backend: z.record(z.string(), z.unknown()),
  /** Kinds of the model's parts, e.g. { backbone: 'transformer', head: 'diffusion' }. */
  parts: z
    .strictObject({
      /** The backbone's `kind`. */
      backbone: z.string(),
      /** The head's `kind`. */
      head: z.string(),
    })
    .optional(),
  /** When the run started, ISO 8601. */
  startedAt: z.string(),
  /** Training wall time summed over sessions. */
  wallSeconds: z.number().finite().nonnegative(),
  /**
   * Seconds of training proper (data loading and optimiser steps; no sample grids, evaluation or checkpoint writes)
   * summed over sessions: what `train.budgetSeconds` is measured against. Absent in runs written before budgets.
   */
  trainSeconds: z.number().finite().nonnegative().optional(),
  /** Whether the run reached the end of its schedule (`train.steps` or `train.budgetSeconds`). */
  finished: z.boolean(),
});

/** The contents of `state.json`. */
export type RunState = z.output<typeof runStateSchema>;

/**
 * What inference (sampling, probing, fine-tuning from the weights) needs of `state.json`: everything but the fields
 * only a resume uses, the data `cursor` and the trainer's `rng`, which a state.json written by another tool may lack.
 */
export const inferenceStateSchema = runStateSchema.extend({
  /** Data stream position after the last batch used; absent when the writer cannot resume. */
  cursor: runStateSchema.shape.cursor.optional(),
  /** Trainer random state; absent when the writer cannot resume. */
  rng: runStateSchema.shape.rng.optional(),
});

/** The contents of `state.json` as inference reads it. */
export type InferenceState = z.output<typeof inferenceStateSchema>;
