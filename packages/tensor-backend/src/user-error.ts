/**
 * The one brand for problems the user can fix: bad input, data, config, files or environment. Every check of user
 * input in every darl package throws a `UserError` (or a subclass) whose message names the key or file and the fix.
 * Anything else that is thrown is a bug in darl.
 *
 * The brand is a registered symbol (`Symbol.for`), not a class identity, so `isUserError` also recognises errors
 * thrown by a second copy of this package (duplicate installs, bundles) — `instanceof` would not.
 *
 * @module
 */

/** The registered symbol every user error carries. */
const USER_ERROR: unique symbol = Symbol.for('@darl/user-error') as never;

/** A problem the user can fix; its message is the whole story (no stack trace is shown for it). */
export class UserError extends Error {
  /** The error's class name, `'UserError'`, which the CLI prints before the message. */
  override name = 'UserError';
  /** The user-error brand: a registered symbol set to `true`, checked by {@link isUserError} (works across copies of this package, unlike `instanceof`). */
  readonly [USER_ERROR] = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True when `err` carries the user-error brand, whichever copy of `@darl/tensor-backend` created it. */
export function isUserError(err: unknown): err is UserError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[USER_ERROR] === true;
}
