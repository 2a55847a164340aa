/**
 * Opening a finished (or checkpointed) run for evaluation and sampling: model + parameters, optionally the EMA
 * weights.
 *
 * @module
 */
import type { RunConfig } from '../config/schema.js';
import { buildDarl, type BuildDarlOptions, type DarlModel, type DarlParams } from '../model/darl-model.js';
import { fromPretrained } from '../model/from-pretrained.js';
import { CheckpointError, loadCheckpoint, type InferenceState } from './run-dir/checkpoint.js';

/** A run loaded for inference. */
export interface LoadedRun {
  /** The run directory. */
  readonly dir: string;
  /** The run's validated config. */
  readonly run: RunConfig;
  /** The checkpoint's state.json (the resume fields `cursor` and `rng` may be absent). */
  readonly state: InferenceState;
  /** The model built from the config (and `parts`). */
  readonly model: DarlModel;
  /** The checkpoint's parameters. */
  readonly params: DarlParams;
  /** Whether `params` hold the EMA weights. */
  readonly ema: boolean;
  /** Disposes the parameters. */
  dispose(): void;
}

/**
 * Loads a run directory's model: the committed checkpoint, or the kept one of `step`. With `ema: 'auto'` (default)
 * the EMA weights are used when the run kept them. A run trained with custom parts (`pretrain({ parts })`) needs the
 * same `parts` again. `onNote` is told when `latest.json` was missing or damaged and the newest intact checkpoint is
 * read instead (default: a line on stderr).
 */
export async function loadRun(
  dir: string,
  opts: { ema?: boolean | 'auto'; parts?: BuildDarlOptions<unknown, unknown>; step?: number; onNote?: (message: string) => void } = {},
): Promise<LoadedRun> {
  const ckpt = await loadCheckpoint(dir, {
    optimizer: false,
    purpose: 'inference',
    ...(opts.step !== undefined ? { step: opts.step } : {}),
    ...(opts.onNote ? { onNote: opts.onNote } : {}),
  });
  try {
    const model = buildDarl(ckpt.run.model, opts.parts ?? {});
    const saved = ckpt.state.parts;
    if (saved && (saved.backbone !== model.backbone.kind || saved.head !== model.head.kind)) {
      const custom = [saved.backbone !== 'transformer' ? `backbone (kind "${saved.backbone}")` : '', saved.head !== 'mse' && saved.head !== 'diffusion' ? `head (kind "${saved.head}")` : '']
        .filter(Boolean)
        .join(' and ');
      throw new CheckpointError(
        `${dir} was trained with backbone "${saved.backbone}" and head "${saved.head}", but the parts given build backbone "${model.backbone.kind}" and head "${model.head.kind}". ` +
          (custom ? `Pass the same custom ${custom} as parts: loadRun(dir, { parts: { ... } }).` : 'Pass no parts: the run uses the built-in ones.'),
      );
    }
    const loaded = fromPretrained({ config: ckpt.run, weights: ckpt.model }, { ema: opts.ema ?? 'auto', source: ckpt.from, parts: opts.parts ?? {} });
    return { dir, state: ckpt.state, ...loaded };
  } finally {
    ckpt.dispose();
  }
}
