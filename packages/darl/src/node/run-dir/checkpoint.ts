/**
 * Checkpoints of a run directory (see `run-dir/`): saving parameters, EMA, optimiser and run state as one committed
 * checkpoint, and loading the committed one (or an older kept one) with every file validated.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, isUserError, toTfTensor, type TensorTree } from '@darl/tensor-backend';
import { errnoCode, fileSystemFix, saveSafetensors, writeFileAtomic, fileSystemError } from '@darl/tensor-backend/node';
import { configFileText, parseConfigFile } from '../../run-dir/config-file.js';
import { checkpointMetadata, checkpointModelTensors, jsonFileText } from '../../run-dir/file-contents.js';
import { trainConfigSchema, type RunConfig } from '../../config/schema.js';
import {
  checkBytes,
  checkpointPaths,
  CheckpointError,
  commitCheckpoint,
  inferenceStateSchema,
  listCheckpoints,
  parseJsonText,
  pointerNote,
  readDigests,
  readLatest,
  RUN_FILES,
  RUN_FORMAT,
  runPaths,
  runStateSchema,
  type CheckpointEntry,
  type CheckpointListing,
  type Digests,
  type InferenceState,
  type RunState,
} from './index.js';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export { CheckpointError, RUN_FORMAT, type RunState, type InferenceState };

/** Checkpoints kept when the config does not say (`train.keepCheckpoints`). */
export const DEFAULT_KEEP_CHECKPOINTS = trainConfigSchema.shape.keepCheckpoints.parse(undefined);

/** A loaded checkpoint. */
export interface LoadedCheckpoint<S extends InferenceState = RunState> {
  /** The run's validated config. */
  readonly run: RunConfig;
  /** The checkpoint's `state.json`. */
  readonly state: S;
  /** The checkpoint directory it came from. */
  readonly from: string;
  /** Model parameters by path ('embed/w', 'backbone/blocks/0/...'), and EMA weights under 'ema/<path>'. */
  readonly model: Record<string, tf.Tensor>;
  /** Optimiser slots ('m/<path>', 'v/<path>'); empty when not asked for. */
  readonly optimizer: Record<string, tf.Tensor>;
  /** Disposes `model` and `optimizer`. */
  dispose(): void;
}

/** Writes `config.json` (atomically). */
export async function writeRunConfig(dir: string, run: RunConfig): Promise<void> {
  await writeFileAtomic(runPaths(dir).config, configFileText(run));
}

/** Reads and validates `config.json` of a run directory. */
export async function readRunConfig(dir: string): Promise<RunConfig> {
  const path = runPaths(dir).config;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new CheckpointError(`${dir} is not a darl run directory: it has no ${RUN_FILES.config}. Give the --out directory of a darl pretrain run.`);
    }
    throw fileSystemError(err, path, 'read the run config');
  }
  const json = parseJsonText(text, z.unknown(), path, 'Restore it from the run\'s start, or start the run again with a new --out directory.');
  return parseConfigFile(json, path);
}

/**
 * Saves parameters (+ EMA shadow), optimiser state and run state as one checkpoint, committed whole or not at all;
 * only the newest `keep` checkpoints remain.
 */
export async function saveCheckpoint(
  dir: string,
  parts: {
    params: TensorTree;
    ema?: Record<string, tf.Tensor> | null;
    optimizer: Record<string, tf.Tensor>;
    state: RunState;
  },
  opts: { keep?: number } = {},
): Promise<string> {
  const meta = checkpointMetadata(parts.state.step);
  const model = checkpointModelTensors(parts.params, parts.ema);
  return commitCheckpoint(dir, parts.state.step, opts.keep ?? DEFAULT_KEEP_CHECKPOINTS, async (temp) => {
    const p = checkpointPaths(temp);
    await saveSafetensors(p.model, model, meta);
    await saveSafetensors(p.optimizer, parts.optimizer, meta);
    await writeFileAtomic(p.state, jsonFileText(runStateSchema.parse(parts.state)));
  });
}

function disposeAll(tensors: Record<string, tf.Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}

/** Reads one file of a checkpoint whole, checked against its recorded digest. */
async function readChecked(path: string, name: string, digests: Digests | null, remedy: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = errnoCode(err);
    throw new CheckpointError(`Cannot read ${path}: ${code === 'ENOENT' ? 'the file is missing' : (fileSystemFix(code) ?? (err as Error).message)}. ${remedy}`, { cause: err });
  }
  const mismatch = checkBytes(digests, name, bytes, path);
  if (mismatch) throw new CheckpointError(`${mismatch} ${remedy}`);
  return bytes;
}

async function loadTensors(path: string, digests: Digests | null, step: number, remedy: string): Promise<Record<string, tf.Tensor>> {
  const bytes = await readChecked(path, basename(path), digests, remedy);
  let decoded;
  try {
    decoded = decodeSafetensors(bytes, { source: path });
  } catch (err) {
    if (isUserError(err)) throw new CheckpointError(`${err.message} ${remedy}`, { cause: err });
    throw err;
  }
  if (decoded.metadata.step !== undefined && Number(decoded.metadata.step) !== step) {
    throw new CheckpointError(`${path} holds step ${decoded.metadata.step} but its ${RUN_FILES.state} says step ${step}. ${remedy}`);
  }
  const out: Record<string, tf.Tensor> = {};
  try {
    for (const [name, entry] of Object.entries(decoded.tensors)) out[name] = toTfTensor(entry, `${path}: ${name}`);
  } catch (err) {
    disposeAll(out);
    if (isUserError(err)) throw new CheckpointError(`${err.message} ${remedy}`, { cause: err });
    throw err;
  }
  return out;
}

/**
 * What to do when a checkpoint is damaged: use an older kept one (with the option the reader has: `--from-step` to
 * resume, `--step` to sample, probe or fine-tune), else start again.
 */
function remedyFor(dir: string, olderSteps: readonly number[], purpose: LoadPurpose): string {
  const older = olderSteps.at(-1);
  if (older === undefined) return `No older checkpoint is kept: start the run again with a new --out directory.`;
  return purpose === 'resume'
    ? `An older checkpoint (step ${older}) is kept: resume from it with --resume ${dir} --from-step ${older}.`
    : `An older checkpoint (step ${older}) is kept: use it with --step ${older} (loadRun(dir, { step: ${older} }) in code).`;
}

/** Why a checkpoint is read: to continue training (every field of state.json needed) or for inference. */
export type LoadPurpose = 'resume' | 'inference';

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Also read `optimizer.safetensors` (default true). */
  readonly optimizer?: boolean;
  /** The kept checkpoint of this step instead of the committed one. */
  readonly step?: number;
  /** 'inference' accepts a state.json without the resume fields `cursor` and `rng` (default 'resume'). */
  readonly purpose?: LoadPurpose;
  /** Told (one sentence) when `latest.json` was missing or damaged and the newest intact checkpoint is read instead. */
  readonly onNote?: (message: string) => void;
  /** The run's config when the caller has read it already with {@link readRunConfig} (read from `config.json` otherwise). */
  readonly run?: RunConfig;
}

/** Called between choosing a checkpoint and reading its files; tests commit (and prune) meanwhile. */
export interface LoadCheckpointHooks {
  readonly beforeRead?: (checkpointDir: string) => Promise<void>;
}

/**
 * Loads the committed checkpoint of a run directory (or the kept one of `step`), every file validated and checked
 * against its recorded digest. When `latest.json` is missing or damaged, the newest intact checkpoint is read (and
 * `onNote` told). A writer that commits and prunes meanwhile is no failure: the newly committed checkpoint is read
 * instead. The caller owns the returned tensors (`dispose()`); nothing is left allocated when it throws.
 */
export async function loadCheckpoint(dir: string, opts: LoadCheckpointOptions & { purpose: 'inference' }): Promise<LoadedCheckpoint<InferenceState>>;
export async function loadCheckpoint(dir: string, opts?: LoadCheckpointOptions): Promise<LoadedCheckpoint>;
export async function loadCheckpoint(dir: string, opts: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint<RunState | InferenceState>> {
  return loadCheckpointWith(dir, opts);
}

/** {@link loadCheckpoint} with hooks into its steps (for tests). */
export async function loadCheckpointWith(dir: string, opts: LoadCheckpointOptions, hooks: LoadCheckpointHooks = {}): Promise<LoadedCheckpoint<RunState | InferenceState>> {
  const run = opts.run ?? (await readRunConfig(dir));
  for (let attempt = 0; ; attempt++) {
    const listing = await listCheckpoints(dir);
    const entry = chooseCheckpoint(dir, listing, opts);
    if (attempt === 0) {
      const note = pointerNote(listing);
      if (note) (opts.onNote ?? ((m) => process.stderr.write(`darl: ${m}\n`)))(note);
    }
    await hooks.beforeRead?.(entry.path);
    try {
      return await readCheckpoint(dir, run, entry, listing, opts);
    } catch (err) {
      // Pruned by a writer after we chose it: the pointer names a newer checkpoint now. Read that one.
      if (opts.step === undefined && attempt < 3 && !listing.recovered && (await readLatest(dir).catch(() => null))?.dir !== listing.latest?.dir) continue;
      throw err;
    }
  }
}

/** The committed checkpoint, or the kept one of `opts.step`; a user error listing the kept ones when there is none. */
function chooseCheckpoint(dir: string, listing: CheckpointListing, opts: LoadCheckpointOptions): CheckpointEntry {
  const have = listing.checkpoints.map((c) => c.step).join(', ') || 'none';
  if (opts.step !== undefined) {
    const entry = listing.checkpoints.filter((c) => c.step === opts.step).at(-1);
    if (!entry) throw new CheckpointError(`${dir} keeps no checkpoint of step ${opts.step} (kept: ${have}). Choose one of those.`);
    return entry;
  }
  const entry = listing.checkpoints.find((c) => c.latest);
  if (entry) return entry;
  if (existsSync(join(dir, RUN_FILES.state))) {
    throw new CheckpointError(
      `${dir} holds a run of an older darl (${RUN_FILES.state} at the top, format darl-run/1) that this version cannot continue. Start the run again with a new --out directory.`,
    );
  }
  if (listing.pointerProblem === null) {
    throw new CheckpointError(`${dir} has no committed checkpoint yet (${RUN_FILES.latest} is missing). Start the run again: darl pretrain --config ${runPaths(dir).config} --out ${dir}.`);
  }
  throw new CheckpointError(`${pointerNote(listing)} Restore the run directory from a copy, or start the run again with a new --out directory.`);
}

async function readCheckpoint(
  dir: string,
  run: RunConfig,
  entry: CheckpointEntry,
  listing: CheckpointListing,
  opts: LoadCheckpointOptions,
): Promise<LoadedCheckpoint<RunState | InferenceState>> {
  const purpose = opts.purpose ?? 'resume';
  const remedy = remedyFor(dir, listing.checkpoints.filter((c) => c.step < entry.step).map((c) => c.step), purpose);
  const p = checkpointPaths(entry.path);
  const digests = await readDigests(entry.path, remedy);
  const stateBytes = await readChecked(p.state, RUN_FILES.state, digests, remedy);
  const state = parseJsonText(new TextDecoder().decode(stateBytes), purpose === 'resume' ? runStateSchema : inferenceStateSchema, p.state, remedy);
  if (state.step !== entry.step) throw new CheckpointError(`${p.state} says step ${state.step} but its directory is ${entry.name}. ${remedy}`);
  const model = await loadTensors(p.model, digests, state.step, remedy);
  let optimizer: Record<string, tf.Tensor> = {};
  if (opts.optimizer !== false) {
    try {
      optimizer = await loadTensors(p.optimizer, digests, state.step, remedy);
    } catch (err) {
      disposeAll(model);
      throw err;
    }
  }
  return {
    run,
    state,
    from: entry.path,
    model,
    optimizer,
    dispose: () => {
      disposeAll(model);
      disposeAll(optimizer);
    },
  };
}

/** Copies checkpoint tensors into a parameter tree of variables (one implementation, shared with `fromPretrained`). */
