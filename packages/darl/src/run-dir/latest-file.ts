/**
 * `latest.json`: the single pointer that commits a checkpoint. It is replaced atomically after the checkpoint's
 * directory is complete on disk, so it always names a whole checkpoint.
 *
 * @module
 */
import { z } from 'zod';
import { parseCheckpointDirName, RUN_FILES, RUN_FORMAT } from './names.js';

/** Schema of `latest.json`. */
export const latestSchema = z.strictObject({
  /** Format tag of the run directory, {@link RUN_FORMAT}. */
  format: z.literal(RUN_FORMAT),
  /** Step of the committed checkpoint. */
  step: z.number().int().nonnegative(),
  /** Its directory, relative to the run directory: "checkpoints/step-00000400". */
  dir: z
    .string()
    .refine((d) => {
      const [top, name, ...rest] = d.split('/');
      return top === RUN_FILES.checkpoints && rest.length === 0 && name !== undefined && parseCheckpointDirName(name) !== null;
    }, 'must be "checkpoints/step-NNNNNNNN"'),
  /** When it was committed (ISO 8601). */
  committedAt: z.string(),
});

/** The contents of `latest.json`. */
export type Latest = z.output<typeof latestSchema>;
