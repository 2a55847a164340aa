/**
 * The pretraining run: data stream → trainer → metrics.jsonl, progress, sample grids, checkpoints. Resumes exactly
 * from a run directory (parameters, optimiser, EMA, random state and data cursor).
 *
 * @module
 */
import { UserError } from '@darl/tensor-backend';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BatchStream, pixelsToTensor, readImages, type ImageDataset } from '@darl/patch-data';
import { openDataset } from '@darl/patch-data/node';
import { disposeTree, Rng, type BackendInfo } from '@darl/tensor-backend';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import { runConfigSchema, type RunConfig, type RunConfigInput } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import { buildDarl, darlLoss, initDarlParams, paramTree, type BuildDarlOptions, type DarlModel, type DarlParams } from '../model/darl-model.js';
import { DarlTrainer, NonFiniteLossError, trainingProgress, type StepResult } from '../train/trainer.js';
import { assignParams, loadCheckpoint, readRunConfig, RUN_FORMAT, saveCheckpoint, writeRunConfig, type RunState } from './checkpoint.js';
import { createProgress } from './progress.js';
import { writeSampleGrids } from './samples.js';
import { runtimeVersions } from './versions.js';

/** Options of {@link pretrain}. */
export interface PretrainOptions {
  /** Run configuration (ignored when resuming: the run directory's config.json is used). */
  readonly run?: RunConfigInput;
  /** Data spec: 'mnist' (embedded digits), 'idx:DIR', 'cifar10:DIR', 'cifar100:DIR', 'folder:DIR'. */
  readonly data?: string;
  /** Run directory to create (or to continue with `resume`). */
  readonly out: string;
  /** Continue the run in `out` from its last checkpoint. */
  readonly resume?: boolean;
  /** What `useBackend` returned, recorded in state.json. */
  readonly backend?: BackendInfo;
  /** Progress display on stderr (default 'auto'). */
  readonly progress?: 'auto' | 'bar' | 'lines' | 'none';
  /** Where progress lines go (default stderr). */
  readonly write?: (s: string) => void;
  /** Stop after this many total steps (checkpointing there) although the schedule runs to `train.steps`. */
  readonly stopAt?: number;
  /** Swap the backbone or the head (pass the same parts again when resuming). */
  readonly parts?: BuildDarlOptions<unknown, unknown>;
  /** Datasets given directly (programmatic use); `data` then only names them in state.json. */
  readonly datasets?: { readonly train: ImageDataset; readonly test?: ImageDataset };
  /** Hands each step's result to the caller (tests, notebooks). */
  readonly onStep?: (r: StepResult) => void;
  /** Seconds on a monotonic clock, read before and after each step to count training time (default `performance.now() / 1000`; tests pass a fake one). */
  readonly clock?: () => number;
}

/** What {@link pretrain} returns. */
export interface PretrainResult {
  readonly out: string;
  readonly step: number;
  readonly finished: boolean;
  readonly finalLoss: number;
  /** Mean loss on held-out images (test split), when `train.evalImages` > 0. */
  readonly evalLoss: number | null;
  readonly imagesPerSec: number;
  readonly wallSeconds: number;
  readonly model: DarlModel;
  /** The trained parameters (the caller disposes them, or lets the process end). */
  readonly params: DarlParams;
}

/** Raised for an expected, user-fixable problem (the CLI prints the message without a stack trace). */
export class RunError extends UserError {
  override readonly name = 'RunError';
}

/** Fills `model.image` from the dataset when the user did not set it; else checks they agree. */
export function fitImageToData(input: RunConfigInput, data: ImageDataset): RunConfigInput {
  const model = { ...(input.model ?? {}) };
  const given = model.image;
  if (given === undefined) {
    model.image = { height: data.height, width: data.width, channels: data.channels };
  } else {
    const { height = 28, width = 28, channels = 1 } = given;
    if (height !== data.height || width !== data.width || channels !== data.channels) {
      throw new RunError(
        `The model expects ${height}×${width}×${channels} images but the data "${data.name}" has ${data.height}×${data.width}×${data.channels}. ` +
          'Remove model.image from the config to use the data\'s shape, or resize the data (folder:DIR accepts a size).',
      );
    }
  }
  return { ...input, model };
}

const SCALE = 'minus-one-one' as const;

/** Mean loss over up to `count` images of `data`, in batches, without gradients. */
export function evaluateLoss(model: DarlModel, params: DarlParams, data: ImageDataset, count: number, seed: number, batchSize = 128): number {
  const n = Math.min(count, data.size);
  const rng = new Rng(seed).fork('eval');
  const { height, width, channels } = model.config.image;
  let sum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const images = pixelsToTensor(readImages(data, idx), [idx.length, height, width, channels], { scale: SCALE });
    const r = darlLoss(model, params, images, { rng });
    sum += r.loss.dataSync()[0]! * idx.length;
    r.loss.dispose();
    r.perTarget.dispose();
    images.dispose();
  }
  return n > 0 ? sum / n : Number.NaN;
}

async function truncateMetrics(path: string, step: number): Promise<void> {
  if (!existsSync(path)) return;
  const kept = (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        return (JSON.parse(line) as { step?: number }).step! <= step;
      } catch {
        return false;
      }
    });
  await writeFileAtomic(path, kept.length ? `${kept.join('\n')}\n` : '');
}

/**
 * Pretrains a DARL model (or resumes one) and returns where it ended.
 *
 * @example
 * const r = await pretrain({ run: RUN_PRESETS['digits-mse'], data: 'mnist', out: 'runs/digits' });
 */
export async function pretrain(opts: PretrainOptions): Promise<PretrainResult> {
  const out = opts.out;
  let run: RunConfig;
  let dataSpec: string;
  let resumeFrom: Awaited<ReturnType<typeof loadCheckpoint>> | null = null;
  if (opts.resume) {
    resumeFrom = await loadCheckpoint(out);
    if (resumeFrom.state.finished) {
      for (const v of [...Object.values(resumeFrom.model), ...Object.values(resumeFrom.optimizer)]) v.dispose();
      throw new RunError(
        `The run in ${out} already finished (step ${resumeFrom.state.step} of ${resumeFrom.run.train.steps}); there is nothing to resume. ` +
          `To train longer, start a new run from its config: darl pretrain --config ${join(out, 'config.json')} --set train.steps=... --out NEW_DIR.`,
      );
    }
    run = resumeFrom.run;
    dataSpec = resumeFrom.state.data;
    if (opts.data && opts.data !== dataSpec) {
      throw new RunError(`The run in ${out} trains on "${dataSpec}"; --data "${opts.data}" differs. Drop --data when resuming.`);
    }
  } else {
    if (existsSync(join(out, 'state.json')) || existsSync(join(out, 'config.json'))) {
      throw new RunError(`${out} already holds a darl run. Continue it with --resume ${out}, or choose a new --out directory.`);
    }
    dataSpec = opts.data ?? 'mnist';
  }
  const train = opts.datasets?.train ?? (await openDataset(dataSpec, { split: 'train' }));
  if (!resumeFrom) run = parseConfig(runConfigSchema, fitImageToData(opts.run ?? {}, train), 'run config');
  run = run!;
  const t = run.train;
  if (t.batchSize % t.accumulate !== 0) {
    throw new RunError(`train.batchSize (${t.batchSize}) must be divisible by train.accumulate (${t.accumulate}): each step uses accumulate micro-batches of batchSize / accumulate images.`);
  }
  const model = buildDarl(run.model, opts.parts ?? {});
  const params = initDarlParams(model, { seed: t.seed });
  if (resumeFrom) {
    assignParams(paramTree(params), resumeFrom.model, join(out, 'model.safetensors'));
  }
  const trainer = new DarlTrainer(model, params, t, resumeFrom ? { rngState: resumeFrom.state.rng } : {});
  if (resumeFrom) {
    trainer.optimizer.loadState(resumeFrom.optimizer, resumeFrom.state.step);
    if (trainer.ema) {
      const shadow: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(resumeFrom.model)) if (k.startsWith('ema/')) shadow[k.slice(4)] = v;
      trainer.ema.loadShadow(shadow);
    }
    for (const v of [...Object.values(resumeFrom.model), ...Object.values(resumeFrom.optimizer)]) v.dispose();
  }
  await mkdir(out, { recursive: true });
  const metricsPath = join(out, 'metrics.jsonl');
  if (resumeFrom) await truncateMetrics(metricsPath, resumeFrom.state.step);
  else {
    await writeRunConfig(out, run);
    await writeFile(metricsPath, '');
  }

  const micro = t.batchSize / t.accumulate;
  const stream = new BatchStream(train, {
    batchSize: micro,
    seed: t.seed,
    dropLast: true,
    shuffle: true,
    ...(resumeFrom ? { cursor: resumeFrom.state.cursor } : {}),
    ...(t.augment === 'none'
      ? {}
      : { augment: { ...(t.augment.includes('crop') ? { randomCrop: { padding: 2 } } : {}), horizontalFlip: t.augment.includes('flip') } }),
  });
  const { height, width, channels } = model.config.image;
  const startedAt = resumeFrom?.state.startedAt ?? new Date().toISOString();
  const priorWall = resumeFrom?.state.wallSeconds ?? 0;
  const clock = opts.clock ?? ((): number => performance.now() / 1000);
  let trainSeconds = resumeFrom ? (resumeFrom.state.trainSeconds ?? resumeFrom.state.wallSeconds) : 0;
  const done = (): boolean => trainingProgress(t, trainer.step, trainSeconds) >= 1;
  const stopAt = Math.min(opts.stopAt ?? t.steps, t.steps);
  const progress = createProgress(t.steps, opts.progress ?? 'auto', trainer.step, opts.write);
  const t0 = performance.now();
  let lastLoss = Number.NaN;
  let windowStart = performance.now();
  let windowImages = 0;
  let imagesPerSec = 0;
  let cursor = resumeFrom?.state.cursor ?? stream.cursor;

  const state = (finished: boolean): RunState => ({
    format: RUN_FORMAT,
    step: trainer.step,
    cursor,
    rng: trainer.rngState(),
    data: dataSpec,
    versions: runtimeVersions(),
    backend: { ...(opts.backend ?? { name: 'unknown' }) },
    parts: { backbone: model.backbone.kind, head: model.head.kind },
    startedAt,
    wallSeconds: priorWall + (performance.now() - t0) / 1000,
    trainSeconds,
    finished,
  });
  const checkpoint = (finished: boolean) =>
    saveCheckpoint(out, {
      params: paramTree(params),
      ema: trainer.ema?.shadow() ?? null,
      optimizer: trainer.optimizer.stateTensors(),
      state: state(finished),
    });

  try {
    while (trainer.step < stopAt && !done()) {
      const s0 = clock();
      const batches: tf.Tensor4D[] = [];
      for (let i = 0; i < t.accumulate; i++) {
        const b = stream.next();
        cursor = b.cursor;
        batches.push(pixelsToTensor(b.pixels, [b.indices.length, height, width, channels], { scale: SCALE }));
      }
      let r: StepResult;
      try {
        r = trainer.stepOn(batches, { trainSeconds });
      } catch (err) {
        if (err instanceof NonFiniteLossError) {
          await appendFile(metricsPath, `${JSON.stringify({ event: 'diverged', step: err.step, value: String(err.value) })}\n`);
        }
        throw err;
      } finally {
        for (const b of batches) b.dispose();
      }
      trainSeconds += clock() - s0;
      const last = r.step === stopAt || done();
      lastLoss = r.loss;
      opts.onStep?.(r);
      windowImages += t.batchSize;
      const now = performance.now();
      if (r.step % t.logEvery === 0 || r.step === 1 || last) {
        imagesPerSec = windowImages / ((now - windowStart) / 1000);
        windowStart = now;
        windowImages = 0;
        const line = {
          step: r.step,
          loss: r.loss,
          lr: r.lr,
          gradNorm: r.gradNorm,
          imagesPerSec,
          elapsed: priorWall + (now - t0) / 1000,
          trainSeconds,
          lossByRow: r.lossByRow,
          ...(r.lossByNoise ? { lossByNoise: r.lossByNoise } : {}),
        };
        await appendFile(metricsPath, `${JSON.stringify(line)}\n`);
        progress.update({ step: r.step, loss: r.loss, lr: r.lr, imagesPerSec });
      }
      if (t.sampleEvery > 0 && r.step % t.sampleEvery === 0 && !done()) {
        await writeSampleGrids(out, model, params, r.step, { seed: t.seed, data: train });
        await appendFile(metricsPath, `${JSON.stringify({ event: 'sample', step: r.step })}\n`);
      }
      if (t.checkpointEvery > 0 && r.step % t.checkpointEvery === 0 && !last) await checkpoint(false);
    }
    const finished = done();
    let evalLoss: number | null = null;
    if (finished) {
      if (t.evalImages > 0) {
        const test = opts.datasets ? (opts.datasets.test ?? null) : await openDataset(dataSpec, { split: 'test' }).catch(() => null);
        if (test) {
          evalLoss = evaluateLoss(model, params, test, t.evalImages, t.seed);
          await appendFile(metricsPath, `${JSON.stringify({ event: 'eval', step: trainer.step, evalLoss })}\n`);
        }
      }
      if (!model.config.normPix) {
        await writeSampleGrids(out, model, params, trainer.step, { seed: t.seed, data: train });
        await appendFile(metricsPath, `${JSON.stringify({ event: 'sample', step: trainer.step })}\n`);
      }
    }
    await checkpoint(finished);
    const wallSeconds = priorWall + (performance.now() - t0) / 1000;
    return { out, step: trainer.step, finished, finalLoss: lastLoss, evalLoss, imagesPerSec, wallSeconds, model, params };
  } catch (err) {
    disposeTree(paramTree(params));
    throw err;
  } finally {
    progress.stop();
    trainer.dispose();
  }
}

export { readRunConfig };
