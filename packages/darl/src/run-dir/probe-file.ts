/**
 * `probe.json`: the linear-probe sweep of a run (`darl probe`, `probeRun`) over layers × pooling × readout attention,
 * its best cell, the raw-pixel baseline, the random-init control and optionally kNN and the attentive probe on the
 * best cell. Accuracies are fractions in [0, 1]. Fields added after the first version (`randomInit`, `solver`,
 * `control`, the controls of `knn` and `attentive`) are optional, so older files still read.
 *
 * @module
 */
import { z } from 'zod';
import { POOLINGS, READOUT_ATTENTIONS } from '@darl/eval';

const accuracy = z.number().min(0).max(1);

/** One cell of the sweep. */
const probeCell = z.object({
  layer: z.number().int().nonnegative(),
  pooling: z.enum(POOLINGS),
  attention: z.enum(READOUT_ATTENTIONS),
  /** Feature dimension. */
  dim: z.number().int().positive(),
  weightDecay: z.number().nonnegative(),
  valAccuracy: accuracy,
  testAccuracy: accuracy,
  /** The random-init control on the same cell. */
  control: z.object({ valAccuracy: accuracy, testAccuracy: accuracy }).optional(),
});

/** Full test metrics of the best cell (`ClassificationMetrics` of `@darl/eval`). */
const classificationMetrics = z.object({
  count: z.number().int().nonnegative(),
  numClasses: z.number().int().positive(),
  top1: accuracy,
  top5: accuracy.nullable(),
  perClassAccuracy: z.array(accuracy.nullable()),
  meanClassAccuracy: accuracy,
  confusion: z.array(z.array(z.number())),
});

/** Schema of `probe.json`. */
export const probeFileSchema = z.object({
  dataset: z.string(),
  trainSize: z.number().int().nonnegative(),
  testSize: z.number().int().nonnegative(),
  numClasses: z.number().int().positive(),
  sweep: z.array(probeCell),
  best: probeCell.extend({ test: classificationMetrics }),
  rawPixels: z.object({ valAccuracy: accuracy, testAccuracy: accuracy, dim: z.number().int().positive() }).nullable(),
  /** The random-init control's best cell, chosen on its own validation accuracy (absent with `control: false`). */
  randomInit: probeCell.omit({ control: true }).optional(),
  /** Linear-probe solver of every cell (lbfgs, ridge, adamw). */
  solver: z.string().optional(),
  knn: z
    .object({
      k: z.number().int().positive(),
      layer: z.number().int().nonnegative(),
      pooling: z.enum(POOLINGS),
      attention: z.enum(READOUT_ATTENTIONS),
      testAccuracy: accuracy,
      /** The same kNN on the random-init control's features of the same cell, and on raw pixels. */
      randomInitTestAccuracy: accuracy.optional(),
      pixelsTestAccuracy: accuracy.optional(),
      seconds: z.number().nonnegative().optional(),
    })
    .optional(),
  attentive: z
    .object({
      layer: z.number().int().nonnegative(),
      attention: z.enum(READOUT_ATTENTIONS),
      testAccuracy: accuracy,
      trainLoss: z.array(z.number()),
      /** The same attentive probe on the random-init control's tokens of the same layer. */
      randomInitTestAccuracy: accuracy.optional(),
      seconds: z.number().nonnegative().optional(),
    })
    .optional(),
  /** Wall seconds of the whole sweep. */
  seconds: z.number().nonnegative(),
  backend: z.string().optional(),
  /** Whether the EMA weights were probed. */
  ema: z.boolean().optional(),
});

/** The contents of `probe.json`. */
export type ProbeFile = z.output<typeof probeFileSchema>;
