/**
 * The user error of darl's run jobs (pretrain, probe, finetune, sample, generation quality).
 *
 * @module
 */
import { UserError } from '@darl/tensor-backend';

/** Raised for an expected, user-fixable problem (the CLI prints the message without a stack trace). */
export class RunError extends UserError {
  override readonly name = 'RunError';
}
