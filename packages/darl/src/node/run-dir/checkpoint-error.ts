/**
 * The error of a missing, corrupt or inconsistent run directory.
 *
 * @module
 */
import { UserError } from '@darl/tensor-backend';

/** Raised for a missing, corrupt or inconsistent run directory; the message names the file and what to do. */
export class CheckpointError extends UserError {
  override readonly name = 'CheckpointError';
}
