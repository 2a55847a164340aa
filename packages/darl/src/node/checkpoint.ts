/**
 * Checkpoints: a run directory holding `config.json`, `model.safetensors`, `optimizer.safetensors` and
 * `state.json`. Every file is written atomically (temporary file, then rename) and `state.json` last, so a crash
 * while saving leaves the previous checkpoint readable or is detected on load (step numbers disagree).
 *
 * @module
 */
import { UserError } from '@darl/tensor-backend';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { flattenTree, toTfTensor, type RngState, type TensorTree } from '@darl/tensor-backend';
import { loadSafetensors, saveSafetensors, writeFileAtomic } from '@darl/tensor-backend/node';
import type { StreamCursor } from '@darl/patch-data';
import { runConfigSchema, type RunConfig } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';

/** Format tag of `state.json`. */
export const RUN_FORMAT = 'darl-run/1';

/** The contents of `state.json`. */
export interface RunState {
  readonly format: typeof RUN_FORMAT;
  /** Optimiser steps completed. */
  readonly step: number;
  /** Data stream position after the last batch used. */
  readonly cursor: StreamCursor;
  /** Trainer random state (noise draws, drop-path). */
  readonly rng: RngState;
  /** Data specification the run trains on, e.g. "mnist". */
  readonly data: string;
  readonly versions: Record<string, string>;
  readonly backend: Record<string, unknown>;
  /** Kinds of the model's parts, e.g. { backbone: 'transformer', head: 'diffusion' }. */
  readonly parts?: { readonly backbone: string; readonly head: string };
  readonly startedAt: string;
  /** Training wall time summed over sessions. */
  readonly wallSeconds: number;
  /**
   * Seconds of training proper (data loading and optimiser steps, no sample grids or checkpoint writes) summed over
   * sessions: what `train.budgetSeconds` is measured against. Absent in runs written before budgets existed.
   */
  readonly trainSeconds?: number;
  readonly finished: boolean;
}

/** A loaded checkpoint. */
export interface LoadedCheckpoint {
  readonly run: RunConfig;
  readonly state: RunState;
  /** Model parameters by path ('embed/w', 'backbone/blocks/0/...'), and EMA weights under 'ema/<path>'. */
  readonly model: Record<string, tf.Tensor>;
  /** Optimiser slots ('m/<path>', 'v/<path>'); empty when the file is absent (e.g. an exported model). */
  readonly optimizer: Record<string, tf.Tensor>;
}

/** Raised for a missing, corrupt or inconsistent run directory. */
export class CheckpointError extends UserError {
  override readonly name = 'CheckpointError';
}

/** Writes `config.json` (atomically). */
export async function writeRunConfig(dir: string, run: RunConfig): Promise<void> {
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(run, null, 2)}\n`);
}

/**
 * Saves parameters (+ EMA shadow), optimiser state and run state. `state.json` is written last.
 */
export async function saveCheckpoint(
  dir: string,
  parts: {
    params: TensorTree;
    ema?: Record<string, tf.Tensor> | null;
    optimizer: Record<string, tf.Tensor>;
    state: RunState;
  },
): Promise<void> {
  const meta = { format: RUN_FORMAT, step: String(parts.state.step) };
  const model: Record<string, tf.Tensor> = Object.fromEntries(flattenTree(parts.params));
  for (const [path, t] of Object.entries(parts.ema ?? {})) model[`ema/${path}`] = t;
  await saveSafetensors(join(dir, 'model.safetensors'), model, meta);
  await saveSafetensors(join(dir, 'optimizer.safetensors'), parts.optimizer, meta);
  await writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(parts.state, null, 2)}\n`);
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CheckpointError(`Cannot read ${what} ${path}: ${(err as Error).message}.`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`${path} is not valid JSON (${(err as Error).message}); the run directory is damaged.`);
  }
}

/** Reads and validates `config.json` of a run directory. */
export async function readRunConfig(dir: string): Promise<RunConfig> {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) {
    throw new CheckpointError(`${dir} is not a darl run directory: it has no config.json. Give the --out directory of a darl pretrain run.`);
  }
  return parseConfig(runConfigSchema, await readJson(path, 'run config'), path);
}

function loadTensors(path: string, step: number): Promise<Record<string, tf.Tensor>> {
  return loadSafetensors(path).then(({ tensors, metadata }) => {
    if (metadata.step !== undefined && Number(metadata.step) !== step) {
      throw new CheckpointError(
        `${path} holds step ${metadata.step} but state.json says step ${step}: the run was interrupted while saving. ` +
          'Restore the run directory from a backup, or start a new run.',
      );
    }
    const out: Record<string, tf.Tensor> = {};
    for (const [name, entry] of Object.entries(tensors)) out[name] = toTfTensor(entry, `${path}: ${name}`);
    return out;
  });
}

/** Loads a run directory written by {@link saveCheckpoint}. The caller owns the returned tensors. */
export async function loadCheckpoint(dir: string, opts: { optimizer?: boolean } = {}): Promise<LoadedCheckpoint> {
  const run = await readRunConfig(dir);
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) {
    throw new CheckpointError(`${dir} has a config.json but no state.json: no checkpoint was completed yet. Start the run again.`);
  }
  const state = (await readJson(statePath, 'run state')) as RunState;
  if (state?.format !== RUN_FORMAT || !Number.isInteger(state.step)) {
    throw new CheckpointError(`${statePath} is not a ${RUN_FORMAT} state file (format ${JSON.stringify(state?.format)}).`);
  }
  const model = await loadTensors(join(dir, 'model.safetensors'), state.step);
  const optimizerPath = join(dir, 'optimizer.safetensors');
  const optimizer = opts.optimizer === false || !existsSync(optimizerPath) ? {} : await loadTensors(optimizerPath, state.step);
  return { run, state, model, optimizer };
}

/**
 * Copies checkpoint tensors into a parameter tree of variables. Every parameter must be present with its shape;
 * extra keys (other than 'ema/…') are an error, as they mean the checkpoint belongs to another model.
 */
export function assignParams(params: TensorTree, tensors: Record<string, tf.Tensor>, source: string, prefix = ''): void {
  const leaves = flattenTree(params);
  const wanted = new Set(leaves.map(([p]) => `${prefix}${p}`));
  const problems: string[] = [];
  for (const [path, v] of leaves) {
    const t = tensors[`${prefix}${path}`];
    if (!t) problems.push(`missing "${prefix}${path}"`);
    else if (t.shape.join('x') !== v.shape.join('x')) problems.push(`"${prefix}${path}" has shape [${t.shape}] but the model needs [${v.shape}]`);
  }
  for (const k of Object.keys(tensors)) {
    if (!wanted.has(k) && (prefix !== '' ? k.startsWith(prefix) : !k.startsWith('ema/'))) problems.push(`unexpected "${k}"`);
  }
  if (problems.length) {
    throw new CheckpointError(
      `${source} does not match the model built from its config.json (${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}).`,
    );
  }
  for (const [path, v] of leaves) (v as tf.Variable).assign(tensors[`${prefix}${path}`]!);
}
