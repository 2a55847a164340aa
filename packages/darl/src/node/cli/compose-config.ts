/**
 * Composing a run configuration from its sources, in order: a named preset, a JSON config file, `--set key=value`
 * overrides, then dedicated flags (`--seed`). The result is parsed once, by `planPretrain`, against the data's real image;
 * its errors name these sources (unknown keys anywhere are rejected with the closest valid name).
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { RUN_PRESETS } from '../../config/presets.js';
import type { RunConfigInput } from '../../config/schema.js';
import { applyOverrides, ConfigError } from '../../config/validate.js';
import { didYouMean } from '@darl/tensor-backend';

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
  /** A run preset's name (`--preset`), applied first. */
  readonly preset?: string;
  /** A JSON config file (`--config`), merged over the preset. */
  readonly configFile?: string;
  /** `key=value` overrides (`--set`), applied in order over both. */
  readonly set?: readonly string[];
  /** `--seed`, which sets `train.seed` last. */
  readonly seed?: number;
}

/** A composed run configuration: its input (not yet parsed: the plan parses it once, against the data's image) and its sources' name. */
export interface ComposedRunConfig {
  /** The merged, not yet validated config. */
  readonly input: RunConfigInput;
  /** The sources, named in a config error: e.g. "config file run.json + --set". */
  readonly source: string;
}

/**
 * Merges the run configuration's sources in order. Nothing is validated here but the sources' own form (a preset's
 * name, a file's JSON, `--set` syntax): the config is parsed once, by `planPretrain`, against the real image.
 */
export async function composeRunConfig(sources: ConfigSources): Promise<ComposedRunConfig> {
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
  const source = [sources.configFile && `config file ${sources.configFile}`, sources.set?.length && '--set', sources.preset && `preset ${sources.preset}`]
    .filter(Boolean)
    .join(' + ');
  return { input: merged as RunConfigInput, source: source || 'configuration' };
}
