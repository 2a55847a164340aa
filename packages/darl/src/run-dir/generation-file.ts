/**
 * `generation.json`: the generation quality of a run (`generationQualityRun`) as a pixel classifier trained on the
 * run's data sees it: completions of test images from their first `prefixPatches` patches and, for a sampling head,
 * unconditional samples, each beside the same figures for real held-out images (`GenerationQuality` of `@darl/eval`).
 *
 * @module
 */
import { z } from 'zod';

const fraction = z.number().min(0).max(1);

/** What the classifier says of one set of generated images. */
const quality = z.object({
  count: z.number().int().positive().describe('Generated images scored'),
  meanConfidence: fraction.describe('Mean max-class probability over the generated images'),
  classShares: z.array(fraction).describe('Fraction of generated images per predicted class [K]'),
  classSpread: fraction.describe('Entropy of classShares over log K: 1 when every class is equally common'),
  frechet: z.number().describe('Fréchet distance of classifier features: generated vs held-out real images'),
  labelAgreement: fraction.optional().describe('Agreement of the predicted class with the intended one (the source image of a completion)'),
  heldOut: z
    .object({
      meanConfidence: fraction.describe('Mean max-class probability over real held-out images'),
      classSpread: fraction.describe('Their class spread'),
      accuracy: fraction.describe('The classifier\'s accuracy on them'),
      frechetRealVsReal: z.number().describe('Fréchet distance between two halves of real images: the floor at this size'),
    })
    .describe('The same figures for real images'),
  seconds: z.number().nonnegative().describe('Seconds spent generating and scoring'),
});

/** Schema of `generation.json`. */
export const generationFileSchema = z.object({
  dataset: z.string().describe('The labelled data\'s spec or name'),
  count: z.number().int().positive().describe('Generated images per measurement'),
  classifier: z
    .object({
      hidden: z.number().int().positive().describe('Its hidden width'),
      epochs: z.number().int().positive().describe('Its training passes'),
      trainImages: z.number().int().positive().describe('Images it was trained on'),
      seconds: z.number().nonnegative().describe('Seconds spent training it'),
    })
    .describe('The quality classifier'),
  completions: quality
    .extend({ prefixPatches: z.number().int().nonnegative().describe('Patches given to each completion') })
    .describe('Completions of test images from their first prefixPatches patches; labelAgreement is against the source\'s class'),
  unconditional: quality.optional().describe('Unconditional samples; absent for a deterministic (MSE) head, which has exactly one'),
  backend: z.string().optional().describe('The backend it ran on'),
});

/** The contents of `generation.json`. */
export type GenerationFile = z.output<typeof generationFileSchema>;
