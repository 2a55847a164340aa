/**
 * The error of a backend that is missing, fails to initialise, or (webgpu) lost its device.
 *
 * @module
 */
import { UserError } from './user-error.js';
import type { BackendName } from './backend-name.js';

/** Raised when a backend is missing, fails to initialise or lost its device; the message names the cause and the fix. */
export class BackendUnavailableError extends UserError {
  /** The error's class name, `'BackendUnavailableError'`. */
  override readonly name = 'BackendUnavailableError';
  constructor(
    /** The backend that could not be used. */
    readonly backend: BackendName,
    message: string,
  ) {
    super(message);
  }
}
