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
const epoch = z.object({
  epoch: z.number().int().positive().describe('Epoch number, from 1'),
  trainLoss: z.number().describe('Mean training loss'),
  testAccuracy: accuracy.optional().describe('Test top-1 after the epoch, on epochs that were tested'),
  seconds: z.number().nonnegative().describe('Wall-clock seconds of the epoch'),
});

/** The fine-tuning settings over `@darl/eval`'s defaults, as given (`Partial<FineTuneConfig>`). */
const settings = z.record(z.string(), z.unknown());

/** One fine-tune. */
const outcome = z.object({
  epochs: z.array(epoch).describe('One entry per epoch, in order'),
  testAccuracy: accuracy.describe('Test top-1 after the last epoch'),
  top5: accuracy.nullable().describe('Test top-5 after the last epoch, or null with fewer than 5 classes'),
  seconds: z.number().nonnegative().describe('Wall-clock seconds of the fine-tune'),
});

/** Schema of `finetune.json`. */
export const finetuneFileSchema = z.object({
  dataset: z.string().describe('The labelled data\'s spec or name'),
  trainSize: z.number().int().nonnegative().describe('Training images of the headline setting'),
  testSize: z.number().int().nonnegative().describe('Test images'),
  config: settings.describe('Fine-tuning settings of the headline setting (over the defaults)'),
  epochs: z.array(epoch).describe('Epochs of the headline pretrained fine-tune'),
  final: z
    .object({
      testAccuracy: accuracy.describe('Test top-1'),
      top5: accuracy.nullable().describe('Test top-5, or null with fewer than 5 classes'),
    })
    .describe('Final test figures of the headline pretrained fine-tune'),
  comparisons: z
    .array(
      z.object({
        labelFraction: z.number().positive().max(1).describe('Share of the labelled training images used'),
        trainSize: z.number().int().nonnegative().describe('Training images used'),
        config: settings.describe('The fine-tuning settings given (over the defaults)'),
        pretrained: outcome.describe('The fine-tune from the pretrained weights'),
        fromScratch: outcome.optional().describe('The same fine-tune from the initial weights (with fromScratch)'),
      }),
    )
    .optional()
    .describe('Every setting, in order (absent in files of the first version)'),
  backend: z.string().optional().describe('The backend it ran on'),
});

/** The contents of `finetune.json`. */
export type FinetuneFile = z.output<typeof finetuneFileSchema>;
