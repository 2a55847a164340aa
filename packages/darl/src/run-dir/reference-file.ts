/**
 * `reference.json`: a reference run a recipe ships to compare against (written by `examples/make-reference.mjs`,
 * drawn by the report beside the run's own loss and probe).
 *
 * @module
 */
import { z } from 'zod';

/** Schema of `reference.json`; `loss` is sorted by step when read. */
export const referenceFileSchema = z.object({
  name: z.string().describe('Label of the reference run in the charts'),
  loss: z
    .array(z.tuple([z.number(), z.number()]))
    .transform((pairs) => [...pairs].sort((a, b) => a[0] - b[0]))
    .describe('[step, loss] pairs, in step order once read'),
  probe: z
    .object({
      testAccuracy: z.number().optional().describe('Its linear-probe test accuracy'),
      rawPixels: z.number().optional().describe('Its raw-pixel baseline\'s test accuracy'),
    })
    .optional()
    .describe('Its evaluation figures, when known'),
  finetune: z.object({ testAccuracy: z.number().describe('Its fine-tuned test accuracy') }).optional().describe('Its fine-tuning figure, when it was fine-tuned'),
  notes: z.string().optional().describe('A note shown with the reference (where it came from)'),
});

/** A reference run. */
export type ReferenceRun = z.output<typeof referenceFileSchema>;
