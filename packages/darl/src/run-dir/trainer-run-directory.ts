/**
 * The run directory of a hand-written training loop in one call: everything `encodeRunDirectory` needs is read from a
 * `DarlTrainer` (step, parameters, EMA, optimiser slots, random state, the model's parts), plus the few facts only the
 * loop knows (the data's name, its cursor, when training started). Browser-safe; Node's `saveRunDirectory` writes the
 * files to disk.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StreamCursor } from '@darl/patch-data';
import type { RunConfig } from '../config/schema.js';
import { paramTree } from '../model/darl-model.js';
import type { DarlTrainer } from '../train/trainer.js';
import { encodeRunDirectory } from './encode-run-directory.js';
import type { MetricsLineInput } from './metrics-file.js';

/** What a loop adds to the trainer's state; everything but `data` has a default. */
export interface TrainerRunOptions {
  /** Name or spec of the training data, recorded in `state.json` (a spec such as `mnist` lets the run jobs reopen it). */
  readonly data: string;
  /** The data stream's cursor after the last batch (`stream.cursor`), so a resumed run continues the data exactly; default `{ epoch: 0, position: 0 }` (a resume starts the data over). */
  readonly cursor?: StreamCursor;
  /** When training started (default: now). */
  readonly startedAt?: Date | string;
  /** Training wall time in seconds (default: the time since `startedAt`, or 0 without it). */
  readonly wallSeconds?: number;
  /** Whether the schedule ran to its end (default: `trainer.step >= train.steps`). */
  readonly finished?: boolean;
  /** Lines of `metrics.jsonl`, e.g. `{ step, loss, lr }` per step (default none). */
  readonly metrics?: readonly MetricsLineInput[];
  /** The backend, recorded in `state.json` (default `{ name: tf.getBackend() }`; pass what `useBackend` returned). */
  readonly backend?: Readonly<Record<string, unknown>>;
  /** Package versions recorded in `state.json` (default tfjs-core's; Node's `saveRunDirectory` records all of darl's). */
  readonly versions?: Readonly<Record<string, string>>;
}

/**
 * Encodes the trainer's current state as a run directory (format `darl-run/2`): config `{ model:
 * trainer.model.config, train: trainer.train }`, one committed checkpoint at `trainer.step` with its optimiser slots,
 * EMA and random state, so `loadRun`, the run jobs and `darl pretrain --resume` open it. The trainer is unchanged and
 * keeps owning its tensors.
 *
 * @returns file contents by path relative to the run directory (see `encodeRunDirectory`)
 * @example
 * const startedAt = new Date();
 * while (trainer.step < steps) await trainer.stepOn([nextBatch()]);
 * const files = await encodeTrainerRun(trainer, { data: 'mnist', cursor: stream.cursor, startedAt });
 */
export async function encodeTrainerRun(trainer: DarlTrainer, opts: TrainerRunOptions): Promise<Record<string, Uint8Array>> {
  const now = Date.now();
  const started = opts.startedAt === undefined ? undefined : new Date(opts.startedAt);
  const run: RunConfig = { model: trainer.model.config, train: trainer.train };
  const optimizer = trainer.optimizer.stateTensors(); // clones, ours to dispose
  try {
    return await encodeRunDirectory({
      run,
      params: paramTree(trainer.params),
      ema: trainer.ema?.shadow() ?? null,
      optimizer,
      metrics: opts.metrics ?? [],
      committedAt: new Date(now).toISOString(),
      state: {
        step: trainer.step,
        cursor: { ...(opts.cursor ?? { epoch: 0, position: 0 }) },
        rng: trainer.rngState(),
        data: opts.data,
        versions: { ...(opts.versions ?? { '@tensorflow/tfjs-core': tf.version_core }) },
        backend: { ...(opts.backend ?? { name: tf.getBackend() }) },
        parts: { backbone: trainer.model.backbone.kind, head: trainer.model.head.kind },
        startedAt: (started ?? new Date(now)).toISOString(),
        wallSeconds: opts.wallSeconds ?? (started ? Math.max(0, (now - started.getTime()) / 1000) : 0),
        finished: opts.finished ?? trainer.step >= trainer.train.steps,
      },
    });
  } finally {
    tf.dispose(Object.values(optimizer));
  }
}
