/**
 * `config.json`: the run's configuration, fully resolved (every backbone size and the patch permutation recorded), so
 * the model can be rebuilt from it alone. Its schema is the run config's own (`runConfigSchema` of
 * `config/schema.ts`); this module writes the file and reads it back for every loader (`readRunConfig` on disk,
 * `fromPretrained` from bytes).
 *
 * @module
 */
import { resolveRunConfig } from '../config/resolve.js';
import { runConfigSchema, type RunConfig } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import { jsonFileText } from './file-contents.js';

/** The text of `config.json`: the fully resolved run config. */
export function configFileText(run: RunConfig): string {
  return jsonFileText(resolveRunConfig(run));
}

/** Validates the parsed JSON of a `config.json`; `where` names it in the user error a mismatch throws. */
export function parseConfigFile(value: unknown, where: string): RunConfig {
  return parseConfig(runConfigSchema, value, where);
}
