import { describe, expect, it } from 'vitest';
import { ShapeError } from './shapes.js';
import { isUserError, UserError } from './user-error.js';

describe('isUserError', () => {
  it('recognises UserError and its subclasses, not plain errors', () => {
    expect(isUserError(new UserError('bad key'))).toBe(true);
    expect(isUserError(new ShapeError('bad shape'))).toBe(true);
    expect(isUserError(new Error('bug'))).toBe(false);
    expect(isUserError(new EvalError('bug'))).toBe(false);
    expect(isUserError('a string')).toBe(false);
    expect(isUserError(null)).toBe(false);
  });

  it('recognises an error branded by another copy of the package (registered symbol, not instanceof)', () => {
    class ForeignCopyError extends Error {
      constructor(message: string) {
        super(message);
        (this as unknown as Record<symbol, unknown>)[Symbol.for('@darl/user-error')] = true;
      }
    }
    const foreign = new ForeignCopyError('from a duplicate install');
    expect(foreign instanceof UserError).toBe(false);
    expect(isUserError(foreign)).toBe(true);
  });
});
