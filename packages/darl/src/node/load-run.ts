/**
 * Opening a finished (or checkpointed) run for evaluation and sampling: model + parameters, optionally the EMA
 * weights.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/schema.js';
import type { BuildDarlOptions, DarlModel, DarlParams } from '../model/darl-model.js';
import { fromPretrained } from '../model/from-pretrained.js';
import { loadCheckpoint, type RunState } from './checkpoint.js';

/** A run loaded for inference. */
export interface LoadedRun {
  readonly dir: string;
  readonly run: RunConfig;
  readonly state: RunState;
  readonly model: DarlModel;
  readonly params: DarlParams;
  /** Whether `params` hold the EMA weights. */
  readonly ema: boolean;
  dispose(): void;
}

/**
 * Loads a run directory's model. With `ema: 'auto'` (default) the EMA weights are used when the run kept them. A run
 * trained with custom parts (`pretrain({ parts })`) needs the same `parts` again.
 */
export async function loadRun(
  dir: string,
  opts: { ema?: boolean | 'auto'; parts?: BuildDarlOptions<unknown, unknown> } = {},
): Promise<LoadedRun> {
  const ckpt = await loadCheckpoint(dir, { optimizer: false });
  try {
    const loaded = fromPretrained({ config: ckpt.run, weights: ckpt.model }, { ema: opts.ema ?? 'auto', source: dir, ...(opts.parts ? { parts: opts.parts } : {}) });
    return { dir, state: ckpt.state, ...loaded };
  } finally {
    for (const t of Object.values(ckpt.model)) (t as tf.Tensor).dispose();
  }
}
