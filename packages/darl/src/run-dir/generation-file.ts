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
  count: z.number().int().positive(),
  meanConfidence: fraction,
  classShares: z.array(fraction),
  classSpread: fraction,
  frechet: z.number(),
  labelAgreement: fraction.optional(),
  heldOut: z.object({ meanConfidence: fraction, classSpread: fraction, accuracy: fraction, frechetRealVsReal: z.number() }),
  seconds: z.number().nonnegative(),
});

/** Schema of `generation.json`. */
export const generationFileSchema = z.object({
  dataset: z.string(),
  count: z.number().int().positive(),
  classifier: z.object({ hidden: z.number().int().positive(), epochs: z.number().int().positive(), trainImages: z.number().int().positive(), seconds: z.number().nonnegative() }),
  /** Completions; `labelAgreement` is against the source image's class. */
  completions: quality.extend({ prefixPatches: z.number().int().nonnegative() }),
  /** Unconditional samples; absent for a deterministic (MSE) head, which has exactly one. */
  unconditional: quality.optional(),
  backend: z.string().optional(),
});

/** The contents of `generation.json`. */
export type GenerationFile = z.output<typeof generationFileSchema>;
