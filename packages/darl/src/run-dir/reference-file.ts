/**
 * `reference.json`: a reference run a recipe ships to compare against (written by `examples/make-reference.mjs`,
 * drawn by the report beside the run's own loss and probe).
 *
 * @module
 */
import { z } from 'zod';

/** Schema of `reference.json`; `loss` is sorted by step when read. */
export const referenceFileSchema = z.object({
  name: z.string(),
  /** `[step, loss]` pairs. */
  loss: z.array(z.tuple([z.number(), z.number()])).transform((pairs) => [...pairs].sort((a, b) => a[0] - b[0])),
  probe: z.object({ testAccuracy: z.number().optional(), rawPixels: z.number().optional() }).optional(),
  /** The fine-tuned test accuracy, when the run was fine-tuned. */
  finetune: z.object({ testAccuracy: z.number() }).optional(),
  notes: z.string().optional(),
});

/** A reference run. */
export type ReferenceRun = z.output<typeof referenceFileSchema>;
