/**
 * Resuming a pretraining run: the target read and checked before anything changes, then (under the run's lock) the
 * run directory settled and the checkpoint copied into fresh parameters, optimiser and EMA.
 *
 * @module
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../../../config/schema.js';
import { assignParams } from '../../../model/assign-params.js';
import { paramTree, type DarlParams } from '../../../model/darl-model.js';
import type { DarlTrainer } from '../../../train/trainer.js';
import { CheckpointError, loadCheckpoint, readRunConfig, type RunState } from '../../run-dir/checkpoint.js';
import { RunError } from '../../run-error.js';
import { checkpointPaths, cleanStale, listCheckpoints, pointerNote, readJsonFile, RUN_FILES, runPaths, runStateSchema, settleMetrics, writeLatest, type Latest } from '../../run-dir/index.js';
import { alreadyHoldsRun } from './checks.js';

/** A loaded checkpoint (the caller disposes it). */
export type LoadedRunCheckpoint = Awaited<ReturnType<typeof loadCheckpoint>>;

/**
 * The resume target's config and state, read and validated without changing anything. When `latest.json` is missing
 * or damaged, the newest intact checkpoint is the committed one (`note` says so; the lock holder rewrites the pointer).
 */
export async function previewResume(out: string, fromStep: number | undefined, note: (message: string) => void): Promise<{ run: RunConfig; state: RunState }> {
  const run = await readRunConfig(out);
  const listing = await listCheckpoints(out);
  const latest = listing.latest;
  if (latest === null) {
    if (listing.pointerProblem !== null) {
      throw new CheckpointError(`${pointerNote(listing)} Restore the run directory from a copy, or start the run again with a new --out directory.`);
    }
    throw new CheckpointError(
      `${out} has no committed checkpoint yet: its run stopped before the first one. Start it again (same directory): ` +
        `darl pretrain --config ${runPaths(out).config} --data DATA --out ${out}.`,
    );
  }
  if (listing.recovered && fromStep === undefined && listing.damaged.length) {
    // Continuing would replace the damaged newer checkpoints: only on the user's explicit word.
    throw new CheckpointError(`${pointerNote(listing)} Resume from the intact one explicitly with --resume ${out} --from-step ${latest.step}, or restore the damaged files from a copy.`);
  }
  if (listing.recovered) note(`${pointerNote(listing)} darl rewrites ${RUN_FILES.latest} to name it.`);
  if (fromStep === undefined || fromStep === latest.step) {
    const older = listing.checkpoints.filter((c) => c.step < latest.step).at(-1);
    const remedy = older ? `Resume from the older checkpoint with --resume ${out} --from-step ${older.step}.` : 'Start the run again with a new --out directory.';
    const state = await readJsonFile(checkpointPaths(join(out, latest.dir)).state, runStateSchema, remedy);
    if (state.finished) {
      throw new RunError(
        `The run in ${out} already finished (step ${state.step} of ${run.train.steps}); there is nothing to resume. ` +
          `To train longer, start a new run from its config: darl pretrain --config ${runPaths(out).config} --set train.steps=... --out NEW_DIR.`,
      );
    }
    return { run, state };
  }
  // An older kept checkpoint: loadCheckpoint validates it fully; only its state is needed here.
  const ckpt = await loadCheckpoint(out, { step: fromStep, optimizer: false, run, onNote: () => undefined });
  ckpt.dispose();
  return { run, state: ckpt.state };
}

/** Where a run starts, once its directory is settled: the checkpoint to continue from (null for a new run). */
export interface StartPoint {
  readonly from: LoadedRunCheckpoint | null;
  /** With a rewind (`fromStep` older than the committed checkpoint): the pointer committed before it. */
  readonly rewindFrom: Latest | null;
}

/**
 * Under the run's lock: stale temporaries removed, a lost pointer restored, the metrics log settled to the committed
 * step, and for a resume the checkpoint loaded (the committed one, or the kept one of `fromStep`).
 */
export async function settleRunDirectory(out: string, run: RunConfig, resume: { readonly fromStep?: number } | null): Promise<StartPoint> {
  await cleanStale(out);
  const listing = await listCheckpoints(out);
  if (!resume && (listing.latest || listing.checkpoints.length || listing.damaged.length)) throw alreadyHoldsRun(out); // committed by another process meanwhile
  if (listing.recovered && listing.latest) await writeLatest(out, listing.latest); // the pointer is a cache: restore it
  const pointer = listing.latest;
  await settleMetrics(out, pointer);
  if (!resume) return { from: null, rewindFrom: null };
  const from = await loadCheckpoint(out, { ...(resume.fromStep !== undefined ? { step: resume.fromStep } : {}), run, onNote: () => undefined });
  return { from, rewindFrom: pointer && from.state.step < pointer.step ? pointer : null };
}

/** Copies a loaded checkpoint into fresh parameters, optimiser and EMA, checking it fits the model and data. */
export function restore(from: LoadedRunCheckpoint, params: DarlParams, trainer: DarlTrainer, dataSize: number): void {
  const source = from.from;
  if (from.state.cursor.position > dataSize) {
    throw new CheckpointError(
      `${checkpointPaths(source).state} holds data cursor position ${from.state.cursor.position}, beyond the ${dataSize} images of "${from.state.data}": the data changed since the run started, or the file is damaged. ` +
        'Resume with the original data files (the run keeps the --data it started with).',
    );
  }
  assignParams(paramTree(params), from.model, checkpointPaths(source).model);
  try {
    trainer.optimizer.loadState(from.optimizer, from.state.step);
  } catch (err) {
    throw new CheckpointError(`${checkpointPaths(source).optimizer} does not fit the model: ${(err as Error).message} Resume from an older checkpoint (--from-step), or start again.`, { cause: err });
  }
  if (trainer.ema) {
    const shadow: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(from.model)) if (k.startsWith('ema/')) shadow[k.slice(4)] = v;
    try {
      trainer.ema.loadShadow(shadow);
    } catch (err) {
      throw new CheckpointError(`${checkpointPaths(source).model} has no usable EMA weights: ${(err as Error).message} Resume from an older checkpoint (--from-step), or start again.`, { cause: err });
    }
  }
}
