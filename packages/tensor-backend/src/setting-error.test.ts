import { describe, expect, it } from 'vitest';
import { checkKnownKeys, checkOneOf, didYouMean, editDistance, SettingError } from './setting-error.js';
import { isUserError } from './user-error.js';

describe('setting checks', () => {
  it('edit distance is Levenshtein, case-insensitive', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ROPE2D', 'rope2d')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only likely names', () => {
    expect(didYouMean('widht', ['width', 'depth'])).toBe(' Did you mean "width"?');
    expect(didYouMean('xavier_uniform', ['trunc-normal', 'xavier'])).toBe(' Did you mean "xavier"?');
    expect(didYouMean('banana', ['width', 'depth'])).toBe('');
  });

  it('throws a user error that names the key', () => {
    let err: unknown;
    try {
      checkOneOf('cfg', 'decoder.kind', 'mpl', ['mlp', 'transformer']);
    } catch (e) {
      err = e;
    }
    expect(isUserError(err)).toBe(true);
    expect((err as SettingError).key).toBe('decoder.kind');
    expect((err as Error).message).toBe('cfg: "decoder.kind" is "mpl"; it must be one of "mlp", "transformer". Did you mean "mlp"?');
    expect(() => checkKnownKeys('cfg', { depht: 1 }, ['depth'], SettingError, 'decoder.')).toThrow(/unknown key "decoder.depht". Did you mean "depth"\?/);
  });
});
