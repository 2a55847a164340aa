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
const layer = z.number().int().nonnegative();
const pooling = z.enum(POOLINGS);
const attention = z.enum(READOUT_ATTENTIONS);

/** One cell of the sweep. */
const probeCell = z.object({
  layer: layer.describe('Layer read (0 = embedded patch tokens)'),
  pooling: pooling.describe('Pooling of the layer\'s tokens'),
  attention: attention.describe('Attention pattern of the readout pass'),
  dim: z.number().int().positive().describe('Feature width'),
  weightDecay: z.number().nonnegative().describe('Regularisation chosen on the held-out split'),
  valAccuracy: accuracy.describe('Held-out validation accuracy (the selection score)'),
  testAccuracy: accuracy.describe('Test accuracy of the probe retrained on the whole training set'),
  control: z
    .object({
      valAccuracy: accuracy.describe('Its held-out validation accuracy'),
      testAccuracy: accuracy.describe('Its test accuracy'),
    })
    .optional()
    .describe('The random-init control on the same cell'),
});

/** Full test metrics of the best cell (`ClassificationMetrics` of `@darl/eval`). */
const classificationMetrics = z.object({
  count: z.number().int().nonnegative().describe('Number of examples scored'),
  numClasses: z.number().int().positive().describe('Classes K'),
  top1: accuracy.describe('Fraction whose highest-scoring class is the label'),
  top5: accuracy.nullable().describe('Fraction whose label is among the 5 highest scores; null with fewer than 5 classes'),
  perClassAccuracy: z.array(accuracy.nullable()).describe('Accuracy per true class (null for a class with no examples)'),
  meanClassAccuracy: accuracy.describe('Mean of the non-null per-class accuracies (balanced accuracy)'),
  confusion: z.array(z.array(z.number())).describe('confusion[true][predicted] counts, [K][K]'),
});

/** Schema of `probe.json`. */
export const probeFileSchema = z.object({
  dataset: z.string().describe('The labelled data\'s spec or name'),
  trainSize: z.number().int().nonnegative().describe('Training images the probes were fitted on'),
  testSize: z.number().int().nonnegative().describe('Test images they were scored on'),
  numClasses: z.number().int().positive().describe('Classes K'),
  sweep: z.array(probeCell).describe('Every cell of the sweep'),
  best: probeCell.extend({ test: classificationMetrics.describe('Full test metrics of the best cell') }).describe('The cell with the highest validation accuracy, with its full test metrics'),
  rawPixels: z
    .object({
      valAccuracy: accuracy.describe('Held-out validation accuracy'),
      testAccuracy: accuracy.describe('Test accuracy'),
      dim: z.number().int().positive().describe('Pixels per image, the probe\'s input width'),
    })
    .nullable()
    .describe('The linear probe on raw pixels, or null when it was not run'),
  randomInit: probeCell.omit({ control: true }).optional().describe('The random-init control\'s best cell, chosen on its own validation accuracy (absent with control: false)'),
  solver: z.string().optional().describe('Linear-probe solver of every cell (lbfgs, ridge, adamw)'),
  knn: z
    .object({
      k: z.number().int().positive().describe('Neighbours that vote'),
      layer: layer.describe('Layer of the features'),
      pooling: pooling.describe('Pooling of the features'),
      attention: attention.describe('Attention pattern of the readout'),
      testAccuracy: accuracy.describe('Test accuracy'),
      randomInitTestAccuracy: accuracy.optional().describe('The same kNN on the random-init control\'s features of the same cell'),
      pixelsTestAccuracy: accuracy.optional().describe('The same kNN on raw pixels'),
      seconds: z.number().nonnegative().optional().describe('Seconds spent'),
    })
    .optional()
    .describe('The kNN classifier on the best cell\'s features (with knn)'),
  attentive: z
    .object({
      layer: layer.describe('Layer of the token features'),
      attention: attention.describe('Attention pattern of the readout'),
      testAccuracy: accuracy.describe('Test accuracy'),
      trainLoss: z.array(z.number()).describe('Mean training loss of each epoch'),
      randomInitTestAccuracy: accuracy.optional().describe('The same attentive probe on the random-init control\'s tokens of the same layer'),
      seconds: z.number().nonnegative().optional().describe('Seconds spent'),
    })
    .optional()
    .describe('The attentive probe on the best cell\'s layer (with attentive)'),
  seconds: z.number().nonnegative().describe('Wall-clock seconds of the sweep'),
  backend: z.string().optional().describe('The backend it ran on'),
  ema: z.boolean().optional().describe('Whether the EMA weights were probed'),
});

/** The contents of `probe.json`. */
export type ProbeFile = z.output<typeof probeFileSchema>;
