/**
 * Composing a run configuration from its sources, in order: a named preset, a JSON config file, `--set key=value`
 * overrides, then dedicated flags (`--seed`). Unknown keys anywhere are rejected with the closest valid name.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { RUN_PRESETS } from '../../config/presets.js';
import { runConfigSchema, type RunConfigInput } from '../../config/schema.js';
import { applyOverrides, ConfigError, explainIssues } from '../../config/validate.js';
import { didYouMean } from '@darl/tensor-backend';
import { knownImageShape } from '@darl/patch-data/node';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Recursively merges `over` into `base` (objects merge, everything else replaces). */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/** Reads a JSON config file with errors that name the file and the problem. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${path}`, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Check the path.`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text); // a UTF-8 byte-order mark is allowed
  } catch (err) {
    throw new ConfigError(`config file ${path}`, [`is not valid JSON: ${(err as Error).message}.`]);
  }
  if (!isPlainObject(value)) throw new ConfigError(`config file ${path}`, ['must hold a JSON object like {"model": {...}, "train": {...}}.']);
  return value;
}

/** Sources of a run configuration. */
export interface ConfigSources {
  readonly preset?: string;
  readonly configFile?: string;
  readonly set?: readonly string[];
  readonly seed?: number;
  /** The dataset spec the run will train on, so that `model.image` checks run before the data is read when its shape is known. */
  readonly data?: string;
}

/**
 * The image to check the config against before the data is opened: the config's own, else the data's when known
 * without reading it, else one the patch size fits (the image checks then run once the data is open, still before
 * anything is written).
 */
function imageForCheck(merged: Record<string, unknown>, data: string | undefined): Record<string, unknown> {
  const model = (merged.model ?? {}) as Record<string, unknown>;
  if (model.image !== undefined) return merged;
  const known = data === undefined ? undefined : knownImageShape(data);
  const p = typeof model.patchSize === 'number' && model.patchSize > 0 ? model.patchSize : 4;
  const image = known ?? { height: 2 * p, width: 2 * p, channels: 1 };
  return { ...merged, model: { ...model, image } };
}

/**
 * Builds the run configuration input (not yet defaulted: the data's image shape is filled in later) and validates
 * it, including the lower packages' cross-field checks, so mistakes are reported before any data is loaded.
 */
export async function composeRunConfig(sources: ConfigSources): Promise<RunConfigInput> {
  let merged: Record<string, unknown> = {};
  if (sources.preset !== undefined) {
    const names = Object.keys(RUN_PRESETS);
    if (!(sources.preset in RUN_PRESETS)) {
      throw new ConfigError('--preset', [`"${sources.preset}" is not a preset.${didYouMean(sources.preset, names)} Presets: ${names.join(', ')}.`]);
    }
    merged = structuredClone(RUN_PRESETS[sources.preset as keyof typeof RUN_PRESETS]) as Record<string, unknown>;
  }
  if (sources.configFile) merged = deepMerge(merged, await readConfigFile(sources.configFile));
  if (sources.set?.length) merged = applyOverrides(merged, sources.set);
  if (sources.seed !== undefined) merged = deepMerge(merged, { train: { seed: sources.seed } });
  const checked = imageForCheck(merged, sources.data);
  const check = runConfigSchema.safeParse(checked);
  if (!check.success) {
    const where = [sources.configFile && `config file ${sources.configFile}`, sources.set?.length && '--set', sources.preset && `preset ${sources.preset}`]
      .filter(Boolean)
      .join(' + ');
    throw new ConfigError(where || 'configuration', explainIssues(runConfigSchema, checked, check.error.issues));
  }
  return merged as RunConfigInput;
}
