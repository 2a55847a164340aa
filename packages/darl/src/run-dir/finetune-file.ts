/**
 * `finetune.json`: fine-tuning a run's weights on labelled data (`darl finetune`, `finetuneRun`). The top-level
 * `trainSize`, `config`, `epochs` and `final` describe the pretrained fine-tune of the setting with the most labels;
 * `comparisons` (absent in the first version) holds every setting, each with the from-scratch control when asked for.
 * Accuracies are fractions in [0, 1].
 *
 * @module
 */
import { z } from 'zod';

const accuracy = z.number().min(0).max(1);

/** One epoch; `testAccuracy` is absent on epochs that were not tested. */
const epoch = z.object({ epoch: z.number().int().positive(), trainLoss: z.number(), testAccuracy: accuracy.optional(), seconds: z.number().nonnegative() });

/** The fine-tuning settings over `@darl/eval`'s defaults, as given (`Partial<FineTuneConfig>`). */
const settings = z.record(z.string(), z.unknown());

/** One fine-tune. */
const outcome = z.object({ epochs: z.array(epoch), testAccuracy: accuracy, top5: accuracy.nullable(), seconds: z.number().nonnegative() });

/** Schema of `finetune.json`. */
export const finetuneFileSchema = z.object({
  dataset: z.string(),
  trainSize: z.number().int().nonnegative(),
  testSize: z.number().int().nonnegative(),
  config: settings,
  epochs: z.array(epoch),
  final: z.object({ testAccuracy: accuracy, top5: accuracy.nullable() }),
  /** One row per setting: share of the labels, and the fine-tunes from the pretrained and from the initial weights. */
  comparisons: z
    .array(
      z.object({
        labelFraction: z.number().positive().max(1),
        trainSize: z.number().int().nonnegative(),
        config: settings,
        pretrained: outcome,
        fromScratch: outcome.optional(),
      }),
    )
    .optional(),
  backend: z.string().optional(),
});

/** The contents of `finetune.json`. */
export type FinetuneFile = z.output<typeof finetuneFileSchema>;
