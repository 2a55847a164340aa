/**
 * The pretraining loop, top to bottom: write the config, open the metrics log and the data stream, then step —
 * batch, update, log, sample, checkpoint — until the schedule ends, `stopAt` or a stop signal; finish with the
 * held-out loss, the final samples and a last checkpoint.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchStream, pixelsToTensor, type ImageDataset } from '@darl/patch-data';
import { openDataset } from '@darl/patch-data/node';
import { fileSystemError } from '@darl/tensor-backend/node';
import type { RunConfig, TrainConfig } from '../../../config/schema.js';
import type { DarlModel, DarlParams } from '../../../model/darl-model.js';
import { NonFiniteLossError, type DarlTrainer, type StepResult } from '../../../train/trainer.js';
import { writeRunConfig, type RunState } from '../../run-dir/checkpoint.js';
import { createProgress } from '../../progress.js';
import { openMetricsLog, type Latest, type MetricsLog } from '../../run-dir/index.js';
import { writeSampleGrids } from '../samples.js';
import { Checkpointer, type StreamPoint } from './checkpointer.js';
import { evaluateLoss } from './evaluate.js';
import type { PretrainOptions, PretrainResult } from './options.js';
import { RunClock } from './run-clock.js';
import { StepLog } from './step-log.js';

/** A run ready to train: planned, its directory locked and settled, parameters and trainer made (and restored). */
export interface LoopContext {
  readonly out: string;
  readonly run: RunConfig;
  readonly dataSpec: string;
  readonly train: ImageDataset;
  readonly model: DarlModel;
  readonly params: DarlParams;
  readonly trainer: DarlTrainer;
  /** The state of the checkpoint a resume continues from (null for a new run). */
  readonly resumed: RunState | null;
  /** With a rewind (`fromStep` older than the committed checkpoint): the pointer committed before it. */
  readonly rewindFrom: Latest | null;
}

/** Trains `c` until the schedule ends, `opts.stopAt`, or `opts.signal`; a checkpoint is committed wherever it stops. */
export async function trainLoop(opts: PretrainOptions, c: LoopContext): Promise<PretrainResult> {
  const { out, run, model, params, trainer } = c;
  const t = run.train;
  if (!c.resumed) await writeConfigFile(out, run);
  const metrics = await openMetricsLog(out, c.resumed ? { step: c.resumed.step, ...(c.rewindFrom ? { rewindFrom: c.rewindFrom } : {}) } : null);
  const stream = openStream(c.train, t, c.resumed);
  const clock = new RunClock(c.resumed, opts.clock);
  const checkpoints = new Checkpointer({ ...c, backend: opts.backend }, metrics, clock, c.resumed?.step ?? null);
  const progress = createProgress(t.steps, opts.progress ?? 'auto', trainer.step, opts.write);
  const log = new StepLog(t, metrics, progress, clock);
  const stopAt = Math.min(opts.stopAt ?? t.steps, t.steps);
  let cursor = c.resumed?.cursor ?? stream.cursor;
  let lastLoss = Number.NaN;
  let imagesTrained = 0;
  try {
    let interrupted = false;
    while (trainer.step < stopAt && !clock.done(t, trainer)) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      const before = { cursor, rng: trainer.rngState() };
      let r: StepResult;
      try {
        r = await clock.timed(async () => {
          const step = await stepOnBatches(c, stream, clock.trainSeconds);
          cursor = step.cursor;
          return step.result;
        });
      } catch (err) {
        throw await divergedError(err, out, before, metrics, checkpoints);
      }
      const last = r.step === stopAt || clock.done(t, trainer);
      lastLoss = r.loss;
      imagesTrained += t.batchSize;
      opts.onStep?.(r);
      await log.step(r, last);
      if (t.sampleEvery > 0 && r.step % t.sampleEvery === 0 && !clock.done(t, trainer)) await writeSamples(c, metrics, r.step);
      if (!last && checkpoints.due(r.step)) await checkpoints.save(false, { cursor, rng: trainer.rngState() });
      // Let signal handlers run between steps (a step awaits only its one read of the device).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const finished = !interrupted && clock.done(t, trainer);
    const evalLoss = finished ? await finishRun(opts, c, metrics) : null;
    if (finished || checkpoints.uncommitted()) await checkpoints.save(finished, { cursor, rng: trainer.rngState() });
    const runSeconds = clock.sessionTrainSeconds();
    const imagesPerSec = runSeconds > 0 ? imagesTrained / runSeconds : 0;
    return { out, step: trainer.step, finished, interrupted, finalLoss: lastLoss, evalLoss, imagesPerSec, wallSeconds: clock.wallSeconds(), model, params };
  } finally {
    progress.stop();
  }
}

/** Writes `config.json` of a new run (resolved: every size and the patch permutation recorded). */
async function writeConfigFile(out: string, run: RunConfig): Promise<void> {
  try {
    await writeRunConfig(out, run);
  } catch (err) {
    throw fileSystemError(err, out, 'write the run files');
  }
}

/** The shuffled, augmented stream of micro-batches, continuing at a resumed run's cursor. */
function openStream(train: ImageDataset, t: TrainConfig, resumed: RunState | null): BatchStream {
  return new BatchStream(train, {
    batchSize: t.batchSize / t.accumulate,
    seed: t.seed,
    dropLast: true,
    shuffle: true,
    ...(resumed ? { cursor: resumed.cursor } : {}),
    ...(t.augment === 'none'
      ? {}
      : { augment: { ...(t.augment.includes('crop') ? { randomCrop: { padding: 2 } } : {}), horizontalFlip: t.augment.includes('flip') } }),
  });
}

/** One optimiser step on `train.accumulate` micro-batches from the stream; returns its result and the new cursor. */
async function stepOnBatches(c: LoopContext, stream: BatchStream, trainSeconds: number): Promise<{ result: StepResult; cursor: RunState['cursor'] }> {
  const { height, width, channels } = c.model.config.image;
  const batches: tf.Tensor4D[] = [];
  let cursor = stream.cursor;
  try {
    for (let i = 0; i < c.run.train.accumulate; i++) {
      const b = stream.next();
      cursor = b.cursor;
      batches.push(pixelsToTensor(b.pixels, [b.indices.length, height, width, channels], { scale: c.model.config.pixelScale }));
    }
    return { result: await c.trainer.stepOn(batches, { trainSeconds }), cursor };
  } finally {
    for (const b of batches) b.dispose();
  }
}

/**
 * A step that diverged applied no update: the run keeps the last good parameters as a checkpoint (whatever the
 * config's schedule), logs the divergence and says which checkpoint is kept. Any other error passes through.
 */
async function divergedError(err: unknown, out: string, before: StreamPoint, metrics: MetricsLog, checkpoints: Checkpointer): Promise<unknown> {
  if (!(err instanceof NonFiniteLossError)) return err;
  await metrics.append({ event: 'diverged', step: err.step, value: String(err.value) });
  if (checkpoints.uncommitted()) await checkpoints.save(false, before);
  const kept =
    checkpoints.committedStep === null ? `No checkpoint exists (the run diverged at its first step).` : `The last good checkpoint (step ${checkpoints.committedStep}) is kept in ${out}.`;
  return new NonFiniteLossError(err.step, err.value, err.what, kept);
}

/** Writes the sample grids of `step` and logs them. */
async function writeSamples(c: LoopContext, metrics: MetricsLog, step: number): Promise<void> {
  await writeSampleGrids(c.out, c.model, c.params, step, { seed: c.run.train.seed, data: c.train });
  await metrics.append({ event: 'sample', step });
}

/** At the schedule's end: the held-out loss (when the data has a test split) and the final samples. */
async function finishRun(opts: PretrainOptions, c: LoopContext, metrics: MetricsLog): Promise<number | null> {
  const t = c.run.train;
  let evalLoss: number | null = null;
  if (t.evalImages > 0) {
    const test = opts.datasets ? (opts.datasets.test ?? null) : await openDataset(c.dataSpec, { split: 'test' }).catch(() => null);
    if (test) {
      evalLoss = await evaluateLoss(c.model, c.params, test, t.evalImages, t.seed);
      await metrics.append({ event: 'eval', step: c.trainer.step, evalLoss });
    }
  }
  if (!c.model.config.normPix) await writeSamples(c, metrics, c.trainer.step);
  return evalLoss;
}
