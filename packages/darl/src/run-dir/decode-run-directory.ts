/**
 * The inverse of {@link encodeRunDirectory}: a run directory's files given as bytes (unpacked from a zip, dropped
 * into a page, fetched one by one) → what {@link fromPretrained} needs, from the committed checkpoint that
 * `latest.json` names, its files checked against the digests recorded in its `digests.json` (when it has one; synchronous
 * SHA-256, see `digests-file.ts`). Browser-safe; Node reads run directories from disk with `loadRun`.
 *
 * @module
 */
import type { z } from 'zod';
import { PretrainedError } from '../model/from-pretrained.js';
import { digestMismatch, digestsSchema, sha256Hex, type Digests } from './digests-file.js';
import { latestSchema } from './latest-file.js';
import { parseCheckpointDirName, RUN_FILES } from './names.js';
import { parseRunFileText } from './parse-run-file.js';
import { runStateSchema, type RunState } from './state-file.js';

/** The committed checkpoint of a run directory, ready for `fromPretrained({ config, weights })`. */
export interface DecodedRunDirectory {
  /** `config.json`'s bytes. */
  readonly config: Uint8Array;
  /** The committed checkpoint's `model.safetensors` bytes. */
  readonly weights: Uint8Array;
  /** Its validated `state.json`. */
  readonly state: RunState;
  /** Path of the checkpoint inside the run directory, e.g. `checkpoints/step-00000100`. */
  readonly checkpoint: string;
  /** Why `latest.json` could not be used (the newest intact checkpoint was taken instead); null when it named it. */
  readonly pointerProblem: string | null;
}

/**
 * Finds the committed checkpoint among a run directory's files. Paths are relative to the run directory, with
 * forward slashes; a common leading folder (`my-run/config.json`, as a zip of the folder holds) is accepted.
 * `latest.json` is a cache: when it is missing, damaged or names a step other than its directory's or a missing
 * checkpoint, the newest checkpoint whose files are all there and match their digests is taken (`pointerProblem`
 * says why). Throws a {@link PretrainedError} naming the missing or invalid file.
 */
export function decodeRunDirectory(files: Readonly<Record<string, Uint8Array>>, opts: { source?: string } = {}): DecodedRunDirectory {
  const source = opts.source ?? 'the run directory';
  const prefix = commonFolder(Object.keys(files));
  const file = (name: string): Uint8Array => {
    const bytes = files[prefix + name];
    if (!bytes) {
      throw new PretrainedError(
        `${source} has no ${prefix + name}. Give a whole darl run directory (config.json, latest.json and the checkpoint it names), e.g. a zip of a darl pretrain --out folder.`,
      );
    }
    return bytes;
  };
  const config = file(RUN_FILES.config);
  let dir: string;
  let pointerProblem: string | null = null;
  try {
    dir = pointedCheckpoint(file, source, prefix);
  } catch (err) {
    if (!(err instanceof PretrainedError)) throw err;
    pointerProblem = err.message.replace(/ (Give a whole darl run|The run directory is damaged).*$/, '');
    const found = newestIntactCheckpoint(files, prefix, source);
    if (found === null) throw err;
    dir = found;
  }
  const digests = readDigests(files, prefix, dir, source);
  const checked = (name: string): Uint8Array => {
    const path = `${dir}/${name}`;
    const bytes = file(path);
    const mismatch = digests && digestMismatch(digests, name, sha256Hex(bytes), `${source}: ${prefix}${path}`);
    if (mismatch) throw new PretrainedError(`${mismatch} Save or copy the run directory again.`);
    return bytes;
  };
  const state = parseJson(checked(RUN_FILES.state), runStateSchema, `${source}: ${prefix}${dir}/${RUN_FILES.state}`);
  return { config, weights: checked(RUN_FILES.model), state, checkpoint: dir, pointerProblem };
}

/** The checkpoint directory `latest.json` names, when it is there and agrees on the step; else a PretrainedError. */
function pointedCheckpoint(file: (name: string) => Uint8Array, source: string, prefix: string): string {
  const latest = parseJson(file(RUN_FILES.latest), latestSchema, `${source}: ${prefix}${RUN_FILES.latest}`);
  const named = parseCheckpointDirName(latest.dir.split('/')[1]!)!;
  if (named.step !== latest.step) throw new PretrainedError(`${source}: ${prefix}${RUN_FILES.latest} says step ${latest.step} but names ${latest.dir}.`);
  file(`${latest.dir}/${RUN_FILES.state}`);
  return latest.dir;
}

function readDigests(files: Readonly<Record<string, Uint8Array>>, prefix: string, dir: string, source: string): Digests | null {
  const bytes = files[`${prefix}${dir}/${RUN_FILES.digests}`];
  return bytes ? parseJson(bytes, digestsSchema, `${source}: ${prefix}${dir}/${RUN_FILES.digests}`) : null;
}

/** The newest checkpoint directory with every file present and matching its digests; null when none is. */
function newestIntactCheckpoint(files: Readonly<Record<string, Uint8Array>>, prefix: string, source: string): string | null {
  const names = new Set<string>();
  for (const path of Object.keys(files)) {
    const [top, name] = path.slice(prefix.length).split('/');
    if (top === RUN_FILES.checkpoints && name !== undefined && parseCheckpointDirName(name)) names.add(name);
  }
  const order = (name: string) => parseCheckpointDirName(name)!;
  const newestFirst = [...names].sort((a, b) => order(b).step - order(a).step || order(b).revision - order(a).revision);
  for (const name of newestFirst) {
    const dir = `${RUN_FILES.checkpoints}/${name}`;
    let digests: Digests | null;
    try {
      digests = readDigests(files, prefix, dir, source);
    } catch {
      continue;
    }
    const intact = [RUN_FILES.state, RUN_FILES.model, RUN_FILES.optimizer, ...Object.keys(digests?.files ?? {})].every((f) => {
      const bytes = files[`${prefix}${dir}/${f}`];
      return bytes !== undefined && !digestMismatch(digests, f, sha256Hex(bytes), f);
    });
    if (intact) return dir;
  }
  return null;
}

/** `name/` when every path starts with that folder and none of them is `config.json` at the top, else ''. */
function commonFolder(paths: readonly string[]): string {
  if (paths.includes(RUN_FILES.config)) return '';
  const first = paths[0]?.split('/')[0];
  return first !== undefined && paths.every((p) => p.startsWith(`${first}/`)) ? `${first}/` : '';
}

function parseJson<S extends z.ZodType>(bytes: Uint8Array, schema: S, where: string): z.output<S> {
  const r = parseRunFileText(new TextDecoder().decode(bytes), schema, where);
  if ('problem' in r) throw new PretrainedError(`${r.problem} The run directory is damaged; save or copy it again.`);
  return r.value;
}
