/**
 * The error of a run directory that another process is writing.
 *
 * @module
 */
import { UserError } from '@darl/tensor-backend';

/** Raised when another live process holds a run directory's lock. */
export class RunLockedError extends UserError {
  override readonly name = 'RunLockedError';
}
