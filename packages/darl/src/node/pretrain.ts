/**
 * The pretraining run: data stream → trainer → metrics.jsonl, progress, sample grids, checkpoints. Resumes exactly
 * from a run directory (parameters, optimiser, EMA, random state and data cursor).
 *
 * It reads in three steps, each in `jobs/pretrain/`: {@link planPretrain} (data, config, model and every check, with
 * nothing written), then under the run's lock the directory settled and a resumed checkpoint restored
 * (`resume.ts`), then {@link trainLoop}.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { disposeTree } from '@darl/tensor-backend';
import { fileSystemError } from '@darl/tensor-backend/node';
import { initDarlParams, paramTree, type DarlParams } from '../model/darl-model.js';
import { DarlTrainer } from '../train/trainer.js';
import { readRunConfig } from './run-dir/checkpoint.js';
import { acquireRunLock } from './run-dir/index.js';
import { trainLoop } from './jobs/pretrain/loop.js';
import { writerOf, type PretrainOptions, type PretrainResult } from './jobs/pretrain/options.js';
import { outOfMemoryError } from './jobs/pretrain/out-of-memory.js';
import { planPretrain } from './jobs/pretrain/plan.js';
import { restore, settleRunDirectory } from './jobs/pretrain/resume.js';

export { RunError } from './run-error.js';
export { checkFromStep, fitImageToData } from './jobs/pretrain/checks.js';
export { evaluateLoss } from './jobs/pretrain/evaluate.js';
export { DEFAULT_DATA, planPretrain, type PlanOptions, type PretrainPlan } from './jobs/pretrain/plan.js';
export type { PretrainOptions, PretrainResult };

/**
 * Pretrains a DARL model (or resumes one) and returns where it ended.
 *
 * @example
 * const r = await pretrain({ run: RUN_PRESETS['digits-mse'], data: 'mnist', out: 'runs/digits' });
 */
export async function pretrain(opts: PretrainOptions): Promise<PretrainResult> {
  const { out } = opts;
  // Everything the run needs is checked before the directory is touched.
  const plan = await planPretrain(opts);
  opts.onPlanned?.();
  try {
    await mkdir(out, { recursive: true });
  } catch (err) {
    throw fileSystemError(err, out, 'create the run directory', 'Choose another --out directory.');
  }
  const lock = await acquireRunLock(out, opts.resume ? 'darl pretrain --resume' : 'darl pretrain');
  if (lock.tookOver) writerOf(opts)(`darl: ${lock.tookOver}\n`);
  let params: DarlParams | null = null;
  let trainer: DarlTrainer | null = null;
  try {
    const start = await settleRunDirectory(out, plan.run, opts.resume ? { ...(opts.fromStep !== undefined ? { fromStep: opts.fromStep } : {}) } : null);
    try {
      params = initDarlParams(plan.model, { seed: plan.run.train.seed });
      trainer = new DarlTrainer(plan.model, params, plan.run.train, start.from ? { rngState: start.from.state.rng } : {});
      if (start.from) restore(start.from, params, trainer, plan.train.size);
    } finally {
      start.from?.dispose();
    }
    return await trainLoop(opts, { ...plan, out, params, trainer, resumed: start.from?.state ?? null, rewindFrom: start.rewindFrom });
  } catch (err) {
    if (params) disposeTree(paramTree(params));
    throw outOfMemoryError(err, plan.run) ?? err;
  } finally {
    trainer?.dispose();
    await lock.release();
  }
}

export { readRunConfig };
