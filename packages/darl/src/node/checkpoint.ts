/**
 * Checkpoints of a run directory (see `run-dir/`): saving parameters, EMA, optimiser and run state as one committed
 * checkpoint, and loading the committed one (or an older kept one) with every file validated.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isUserError, toTfTensor, type TensorTree } from '@darl/tensor-backend';
import { loadSafetensors, saveSafetensors, writeFileAtomic, fileSystemError } from '@darl/tensor-backend/node';
import { checkpointMetadata, checkpointModelTensors, configFileText, jsonFileText } from '../run-dir/file-contents.js';
import { runConfigSchema, trainConfigSchema, type RunConfig } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import {
  checkpointPaths,
  CheckpointError,
  commitCheckpoint,
  listCheckpoints,
  parseJsonText,
  readJsonFile,
  RUN_FILES,
  RUN_FORMAT,
  runPaths,
  runStateSchema,
  type RunState,
} from './run-dir/index.js';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export { CheckpointError, RUN_FORMAT, type RunState };

/** Checkpoints kept when the config does not say (`train.keepCheckpoints`). */
export const DEFAULT_KEEP_CHECKPOINTS = trainConfigSchema.shape.keepCheckpoints.parse(undefined);

/** A loaded checkpoint. */
export interface LoadedCheckpoint {
  readonly run: RunConfig;
  readonly state: RunState;
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
  return parseConfig(runConfigSchema, json, path);
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

async function loadTensors(path: string, step: number, remedy: string): Promise<Record<string, tf.Tensor>> {
  let decoded;
  try {
    decoded = await loadSafetensors(path);
  } catch (err) {
    if (isUserError(err)) throw new CheckpointError(`${err.message} ${remedy}`, { cause: err });
    throw err;
  }
  if (decoded.metadata.step !== undefined && Number(decoded.metadata.step) !== step) {
    throw new CheckpointError(`${path} holds step ${decoded.metadata.step} but its state.json says step ${step}. ${remedy}`);
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

/** What to do when a checkpoint is damaged: older kept checkpoints, else start again. */
function remedyFor(dir: string, olderSteps: readonly number[]): string {
  const older = olderSteps.at(-1);
  return older !== undefined
    ? `An older checkpoint (step ${older}) is kept: resume from it with --resume ${dir} --from-step ${older}, or load it with { step: ${older} }.`
    : `No older checkpoint is kept: start the run again with a new --out directory.`;
}

/**
 * Loads the committed checkpoint of a run directory (or the kept one of `step`), every file validated. The caller
 * owns the returned tensors (`dispose()`); nothing is left allocated when it throws.
 */
export async function loadCheckpoint(dir: string, opts: { optimizer?: boolean; step?: number } = {}): Promise<LoadedCheckpoint> {
  const run = await readRunConfig(dir);
  const listing = await listCheckpoints(dir);
  if (listing.latest === null) {
    if (existsSync(join(dir, RUN_FILES.state))) {
      throw new CheckpointError(
        `${dir} holds a run of an older darl (state.json at the top, format darl-run/1) that this version cannot continue. Start the run again with a new --out directory.`,
      );
    }
    throw new CheckpointError(`${dir} has no committed checkpoint yet (${RUN_FILES.latest} is missing). Start the run again: darl pretrain --config ${runPaths(dir).config} --out ${dir}.`);
  }
  const wanted = opts.step ?? listing.latest.step;
  const entry = opts.step === undefined ? listing.checkpoints.find((c) => c.latest) : listing.checkpoints.filter((c) => c.step === wanted).at(-1);
  if (!entry) {
    const have = listing.checkpoints.map((c) => c.step).join(', ') || 'none';
    throw new CheckpointError(
      opts.step === undefined
        ? `${runPaths(dir).latest} names ${listing.latest.dir}, which is missing. ${remedyFor(dir, listing.checkpoints.map((c) => c.step))}`
        : `${dir} keeps no checkpoint of step ${wanted} (kept: ${have}). Choose one of those.`,
    );
  }
  const remedy = remedyFor(dir, listing.checkpoints.filter((c) => c.step < entry.step).map((c) => c.step));
  const p = checkpointPaths(entry.path);
  const state = await readJsonFile(p.state, runStateSchema, remedy);
  if (state.step !== entry.step) throw new CheckpointError(`${p.state} says step ${state.step} but its directory is ${entry.name}. ${remedy}`);
  const model = await loadTensors(p.model, state.step, remedy);
  let optimizer: Record<string, tf.Tensor> = {};
  if (opts.optimizer !== false) {
    try {
      optimizer = await loadTensors(p.optimizer, state.step, remedy);
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
