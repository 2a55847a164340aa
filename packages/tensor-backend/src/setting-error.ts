/**
 * The one validation and suggestion mechanism of every darl package's validating config constructors
 * (`transformerConfig`, `patchDecoderConfig`, `diffusionHeadConfig`, …) and of darl's run-config schema: a bad
 * setting throws a {@link SettingError} that names the key, and a misspelt name gets the closest valid one.
 * Dependency-free, so the lowest packages can use it; darl's zod schema calls the same constructors and maps
 * {@link SettingError.key} onto its dotted path.
 *
 * @module
 */
import { UserError } from './user-error.js';

/** A user-fixable problem with one setting; `key` is its name relative to the config that holds it (`heads`, `decoder.width`). */
export class SettingError extends UserError {
  /** The error's class name, `'SettingError'`. */
  override name = 'SettingError';
  constructor(
    /** The setting's key, relative to the config the constructor validates (dotted for nested keys). */
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The candidate closest to `name` by edit distance (the first of equals), or undefined when there are none. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/**
 * ` Did you mean "x"?` when a candidate is near enough to `name` to be the likely intent — at most
 * max(2, ⌊|name|/2⌋) edits away, or contained in it (`xavier_uniform` → `xavier`) — else the empty string.
 */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const lower = name.toLowerCase();
  const near = candidates.find((c) => lower.includes(c.toLowerCase())) ?? closestName(name, candidates);
  const likely = near !== undefined && (lower.includes(near.toLowerCase()) || editDistance(name, near) <= Math.max(2, Math.floor(name.length / 2)));
  return likely ? ` Did you mean "${near}"?` : '';
}

/** A {@link SettingError} subclass's constructor, so each package can throw its own named error. */
export type SettingErrorClass = new (key: string, message: string) => SettingError;

/**
 * Throws a {@link SettingError} (or `Err`) unless `value` is one of `options`: `where: "key" is "x"; it must be one
 * of a, b. Did you mean "a"?`.
 */
export function checkOneOf<T extends string>(
  where: string,
  key: string,
  value: unknown,
  options: readonly T[],
  Err: SettingErrorClass = SettingError,
): asserts value is T {
  if ((options as readonly unknown[]).includes(value)) return;
  throw new Err(
    key,
    `${where}: "${key}" is ${JSON.stringify(value)}; it must be one of ${options.map((o) => `"${o}"`).join(', ')}.${didYouMean(String(value), options)}`,
  );
}

/** Throws a {@link SettingError} (or `Err`) for the first key of `settings` not in `keys`, suggesting the closest. */
export function checkKnownKeys(where: string, settings: object, keys: readonly string[], Err: SettingErrorClass = SettingError, prefix = ''): void {
  for (const key of Object.keys(settings)) {
    if (keys.includes(key)) continue;
    throw new Err(
      prefix + key,
      `${where}: unknown key "${prefix + key}".${didYouMean(key, keys)} Valid keys here: ${keys.join(', ')}.`,
    );
  }
}
