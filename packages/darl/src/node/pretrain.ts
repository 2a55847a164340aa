/**
 * The pretraining run: data stream → trainer → metrics.jsonl, progress, sample grids, checkpoints. Resumes exactly
 * from a run directory (parameters, optimiser, EMA, random state and data cursor).
 *
 * @module
 */
import { UserError } from '@darl/tensor-backend';
import { existsSync, statSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BatchStream, pixelsToTensor, readImages, type ImageDataset } from '@darl/patch-data';
import { openDataset } from '@darl/patch-data/node';
import { disposeTree, Rng, type BackendInfo } from '@darl/tensor-backend';
import { fileSystemError, writeFileAtomic } from '@darl/tensor-backend/node';
import { runConfigSchema, type RunConfig, type RunConfigInput } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import { backboneConfigFor, buildDarl, darlLoss, initDarlParams, paramTree, type BuildDarlOptions, type DarlModel, type DarlParams } from '../model/darl-model.js';
import { DarlTrainer, NonFiniteLossError, trainingProgress, type StepResult } from '../train/trainer.js';
import { CheckpointError, loadCheckpoint, readRunConfig, RUN_FORMAT, saveCheckpoint, writeRunConfig, type RunState } from './checkpoint.js';
import { assignParams } from '../model/assign-params.js';
import { acquireRunLock, cleanStale, readJsonFile, readLatest, runPaths, runStateSchema, checkpointPaths, type RunLock } from './run-dir/index.js';
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
  /** With `resume`: continue from the kept checkpoint of this step instead of the last committed one. */
  readonly fromStep?: number;
  /**
   * Graceful stop: once aborted, the current step finishes, a checkpoint is committed and `pretrain` returns with
   * `interrupted: true` (the CLI aborts it on the first SIGINT/SIGTERM).
   */
  readonly signal?: AbortSignal;
}

/** What {@link pretrain} returns. */
export interface PretrainResult {
  readonly out: string;
  readonly step: number;
  readonly finished: boolean;
  /** Whether `signal` stopped the run early (a checkpoint of `step` was committed). */
  readonly interrupted: boolean;
  readonly finalLoss: number;
  /** Mean loss on held-out images (test split), when `train.evalImages` > 0. */
  readonly evalLoss: number | null;
  /** The run's training rate: images trained by this call over its training seconds (checkpoints, samples and held-out evaluation excluded). */
  readonly imagesPerSec: number;
  readonly wallSeconds: number;
  readonly model: DarlModel;
  /** The trained parameters (the caller disposes them, or lets the process end). */
  readonly params: DarlParams;
}

/** The data a run trains on when none is named: the embedded digits. */
export const DEFAULT_DATA = 'mnist';

/** Raised for an expected, user-fixable problem (the CLI prints the message without a stack trace). */
export class RunError extends UserError {
  override readonly name = 'RunError';
}

/** Refuses a batch that accumulation cannot split evenly, or that the data cannot fill once. */
export function checkBatchFitsData(run: RunConfig, train: ImageDataset): void {
  const t = run.train;
  if (t.batchSize % t.accumulate !== 0) {
    throw new RunError(`train.batchSize (${t.batchSize}) must be divisible by train.accumulate (${t.accumulate}): each step uses accumulate micro-batches of batchSize / accumulate images.`);
  }
  const micro = t.batchSize / t.accumulate;
  if (train.size < micro) {
    throw new RunError(
      `The data "${train.name}" has ${train.size} image(s), fewer than one batch (train.batchSize ${t.batchSize}${t.accumulate > 1 ? ` / accumulate ${t.accumulate}` : ''} = ${micro}). ` +
        `Lower train.batchSize (--set train.batchSize=${Math.max(1, train.size)}) or give more data.`,
    );
  }
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

/**
 * Mean loss over up to `count` images of `data`, in batches, without gradients. The batches' losses are read once, at
 * the end, with `await data()`.
 */
export async function evaluateLoss(model: DarlModel, params: DarlParams, data: ImageDataset, count: number, seed: number, batchSize = 128): Promise<number> {
  const n = Math.min(count, data.size);
  const rng = new Rng(seed).fork('eval');
  const { height, width, channels } = model.config.image;
  const losses: tf.Scalar[] = [];
  const sizes: number[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const idx = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
      const images = pixelsToTensor(readImages(data, idx), [idx.length, height, width, channels], { scale: model.config.pixelScale });
      const r = darlLoss(model, params, images, { rng });
      losses.push(r.loss);
      sizes.push(idx.length);
      r.perTarget.dispose();
      images.dispose();
    }
    const values = await Promise.all(losses.map((l) => l.data()));
    let sum = 0;
    values.forEach((v, i) => {
      sum += v[0]! * sizes[i]!;
    });
    return n > 0 ? sum / n : Number.NaN;
  } finally {
    tf.dispose(losses);
  }
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
  let savedParts: RunState['parts'];
  // Everything the run needs is checked before the directory is touched.
  if (opts.resume) {
    const preview = await previewResume(out, opts.fromStep);
    run = preview.run;
    dataSpec = preview.state.data;
    savedParts = preview.state.parts;
    if (opts.data !== undefined && opts.data !== dataSpec) {
      throw new RunError(`The run in ${out} trains on "${dataSpec}"; --data "${opts.data}" would change it. Drop --data when resuming (nothing in ${out} was changed).`);
    }
  } else {
    dataSpec = opts.data ?? DEFAULT_DATA;
    checkNewRunDirectory(out);
  }
  const train = opts.datasets?.train ?? (await openDataset(dataSpec, { split: 'train', labels: 'optional' }));
  if (!opts.resume) run = parseConfig(runConfigSchema, fitImageToData(opts.run ?? {}, train), 'run config');
  run = run!;
  const t = run.train;
  checkBatchFitsData(run, train);
  const model = buildDarl(run.model, opts.parts ?? {});
  checkParts(out, savedParts, model);
  if (!opts.parts?.backbone) checkFitsWasmHeap(run, model.length);

  try {
    await mkdir(out, { recursive: true });
  } catch (err) {
    throw fileSystemError(err, out, 'create the run directory', 'Choose another --out directory.');
  }
  const lock = await acquireRunLock(out, opts.resume ? 'darl pretrain --resume' : 'darl pretrain');
  let params: DarlParams | null = null;
  let trainer: DarlTrainer | null = null;
  try {
    await cleanStale(out);
    let resumeFrom: Awaited<ReturnType<typeof loadCheckpoint>> | null = null;
    if (opts.resume) resumeFrom = await loadCheckpoint(out, opts.fromStep !== undefined ? { step: opts.fromStep } : {});
    else if (await readLatest(out)) throw alreadyHoldsRun(out); // committed by another process meanwhile
    try {
      params = initDarlParams(model, { seed: t.seed });
      trainer = new DarlTrainer(model, params, t, resumeFrom ? { rngState: resumeFrom.state.rng } : {});
      if (resumeFrom) restore(resumeFrom, params, trainer, train.size);
    } finally {
      resumeFrom?.dispose();
    }
    return await trainLoop(opts, { out, run, dataSpec, train, model, params, trainer, resumed: resumeFrom?.state ?? null, lock });
  } catch (err) {
    if (params) disposeTree(paramTree(params));
    throw outOfMemoryError(err, run) ?? err;
  } finally {
    trainer?.dispose();
    await lock.release();
  }
}

/** wasm's heap limit: 4 GiB of 32-bit addresses. */
const WASM_HEAP_BYTES = 4 * 2 ** 30;

/**
 * Refuses, before anything is allocated, a built-in backbone whose training state alone (parameters, two AdamW
 * moments, gradients and, with EMA, a shadow: 4 or 5 float32 copies) exceeds the wasm heap.
 */
export function checkFitsWasmHeap(run: RunConfig, length: number): void {
  if (tf.getBackend() !== 'wasm') return;
  const { width, depth, mlpRatio } = backboneConfigFor(run.model, length);
  const params = depth * (4 + 2 * mlpRatio) * width * width;
  const bytes = params * 4 * (run.train.ema > 0 ? 5 : 4);
  if (bytes > WASM_HEAP_BYTES) {
    throw new RunError(
      `Backbone preset "${run.model.backbone.preset}" (width ${width}, depth ${depth}: about ${(params / 1e6).toFixed(0)}M parameters) needs about ` +
        `${(bytes / 2 ** 30).toFixed(1)} GiB for its weights, optimiser state and gradients alone, more than the 4 GiB the wasm backend can address. ` +
        'Choose a smaller preset (model.backbone.preset=vit-b or smaller) or a backend without that limit (darl info lists them).',
    );
  }
}

/**
 * The backend ran out of memory (wasm's heap is at most 4 GiB: Emscripten aborts or traps; typed arrays fail to
 * allocate): a user error saying what to shrink. Null for any other error.
 */
function outOfMemoryError(err: unknown, run: RunConfig): RunError | null {
  const message = err instanceof Error ? err.message : String(err);
  const RuntimeError = (globalThis as { WebAssembly?: { RuntimeError?: abstract new () => Error } }).WebAssembly?.RuntimeError;
  const wasmTrap = RuntimeError !== undefined && err instanceof RuntimeError;
  if (!wasmTrap && !/Aborted\(|memory access out of bounds|Array buffer allocation failed|Out of memory|Cannot enlarge memory/i.test(message)) return null;
  return new RunError(
    `The ${tf.getBackend()} backend ran out of memory (${message.split('\n')[0]}) with backbone preset "${run.model.backbone.preset}" and train.batchSize ${run.train.batchSize}. ` +
      'The wasm backend has at most 4 GiB: lower train.batchSize (or raise train.accumulate), choose a smaller model, or a backend without that limit (darl info lists them). ' +
      'Checkpoints committed before this point are intact (resume with --resume after changing nothing but the backend).',
    { cause: err },
  );
}

function alreadyHoldsRun(out: string): RunError {
  return new RunError(`${out} already holds a darl run. Continue it with --resume ${out}, or choose a new --out directory.`);
}

/** A new run's --out: absent, an empty directory, or a run whose start failed before its first checkpoint. */
export function checkNewRunDirectory(out: string): void {
  let st;
  try {
    st = statSync(out);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return;
    throw fileSystemError(err, out, 'use the run directory', 'Choose another --out directory.');
  }
  if (!st.isDirectory()) throw new RunError(`--out ${out} is an existing file, not a directory. Choose another --out directory (it is created).`);
  if (existsSync(runPaths(out).latest)) throw alreadyHoldsRun(out);
  if (existsSync(join(out, 'state.json'))) throw alreadyHoldsRun(out);
}

/** The resume target's config and state, read and validated without changing anything. */
async function previewResume(out: string, fromStep?: number): Promise<{ run: RunConfig; state: RunState }> {
  const run = await readRunConfig(out);
  const latest = await readLatest(out);
  if (latest === null) {
    throw new CheckpointError(
      `${out} has no committed checkpoint yet: its run stopped before the first one. Start it again (same directory): ` +
        `darl pretrain --config ${runPaths(out).config} --data DATA --out ${out}.`,
    );
  }
  if (fromStep === undefined || fromStep === latest.step) {
    const state = await readJsonFile(checkpointPaths(join(out, latest.dir)).state, runStateSchema, `Resume from an older checkpoint with --from-step, or start the run again with a new --out directory.`);
    if (state.finished) {
      throw new RunError(
        `The run in ${out} already finished (step ${state.step} of ${run.train.steps}); there is nothing to resume. ` +
          `To train longer, start a new run from its config: darl pretrain --config ${runPaths(out).config} --set train.steps=... --out NEW_DIR.`,
      );
    }
    return { run, state };
  }
  // An older kept checkpoint: loadCheckpoint validates it fully; only its state is needed here.
  const ckpt = await loadCheckpoint(out, { step: fromStep, optimizer: false });
  ckpt.dispose();
  return { run, state: ckpt.state };
}

/** Resuming with other parts than the run was trained with is refused, naming the parts to pass. */
function checkParts(out: string, saved: RunState['parts'] | undefined, model: DarlModel): void {
  if (!saved) return;
  const now = { backbone: model.backbone.kind, head: model.head.kind };
  if (saved.backbone !== now.backbone || saved.head !== now.head) {
    throw new CheckpointError(
      `The run in ${out} was trained with backbone "${saved.backbone}" and head "${saved.head}", but the given parts build backbone "${now.backbone}" and head "${now.head}". ` +
        'Pass the same parts again ({ parts: { backbone, head } }); the built-in ones need none.',
    );
  }
}

/** Copies a loaded checkpoint into fresh parameters, optimiser and EMA, checking it fits the model and data. */
function restore(from: Awaited<ReturnType<typeof loadCheckpoint>>, params: DarlParams, trainer: DarlTrainer, dataSize: number): void {
  const source = from.from;
  if (from.state.cursor.position > dataSize) {
    throw new CheckpointError(
      `${join(source, 'state.json')} holds data cursor position ${from.state.cursor.position}, beyond the ${dataSize} images of "${from.state.data}": the data changed since the run started, or the file is damaged. ` +
        'Resume with the original data, or from an older checkpoint (--from-step).',
    );
  }
  assignParams(paramTree(params), from.model, join(source, 'model.safetensors'));
  try {
    trainer.optimizer.loadState(from.optimizer, from.state.step);
  } catch (err) {
    throw new CheckpointError(`${join(source, 'optimizer.safetensors')} does not fit the model: ${(err as Error).message} Resume from an older checkpoint (--from-step), or start again.`, { cause: err });
  }
  if (trainer.ema) {
    const shadow: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(from.model)) if (k.startsWith('ema/')) shadow[k.slice(4)] = v;
    try {
      trainer.ema.loadShadow(shadow);
    } catch (err) {
      throw new CheckpointError(`${join(source, 'model.safetensors')} has no usable EMA weights: ${(err as Error).message} Resume from an older checkpoint (--from-step), or start again.`, { cause: err });
    }
  }
}

async function appendLine(path: string, value: unknown): Promise<void> {
  try {
    await appendFile(path, `${JSON.stringify(value)}\n`);
  } catch (err) {
    throw fileSystemError(err, path, 'append to the metrics log', 'The last committed checkpoint is unchanged; free space and resume with --resume.');
  }
}

interface LoopContext {
  readonly out: string;
  readonly run: RunConfig;
  readonly dataSpec: string;
  readonly train: ImageDataset;
  readonly model: DarlModel;
  readonly params: DarlParams;
  readonly trainer: DarlTrainer;
  readonly resumed: RunState | null;
  readonly lock: RunLock;
}

async function trainLoop(opts: PretrainOptions, c: LoopContext): Promise<PretrainResult> {
  const { out, run, dataSpec, train, model, params, trainer } = c;
  const t = run.train;
  const metricsPath = runPaths(out).metrics;
  try {
    if (c.resumed) await truncateMetrics(metricsPath, c.resumed.step);
    else {
      await writeRunConfig(out, run);
      await writeFile(metricsPath, '');
    }
  } catch (err) {
    throw fileSystemError(err, out, 'write the run files');
  }

  const micro = t.batchSize / t.accumulate;
  const stream = new BatchStream(train, {
    batchSize: micro,
    seed: t.seed,
    dropLast: true,
    shuffle: true,
    ...(c.resumed ? { cursor: c.resumed.cursor } : {}),
    ...(t.augment === 'none'
      ? {}
      : { augment: { ...(t.augment.includes('crop') ? { randomCrop: { padding: 2 } } : {}), horizontalFlip: t.augment.includes('flip') } }),
  });
  const { height, width, channels } = model.config.image;
  const startedAt = c.resumed?.startedAt ?? new Date().toISOString();
  const priorWall = c.resumed?.wallSeconds ?? 0;
  const clock = opts.clock ?? ((): number => performance.now() / 1000);
  let trainSeconds = c.resumed ? (c.resumed.trainSeconds ?? c.resumed.wallSeconds) : 0;
  const done = (): boolean => trainingProgress(t, trainer.step, trainSeconds) >= 1;
  const trainSecondsAtStart = trainSeconds;
  let imagesTrained = 0;
  const stopAt = Math.min(opts.stopAt ?? t.steps, t.steps);
  const progress = createProgress(t.steps, opts.progress ?? 'auto', trainer.step, opts.write);
  const t0 = performance.now();
  let lastLoss = Number.NaN;
  let windowStart = performance.now();
  let windowImages = 0;
  let imagesPerSec = 0;
  let cursor = c.resumed?.cursor ?? stream.cursor;
  let committedStep: number | null = c.resumed?.step ?? null;
  let lastCheckpointAt = performance.now();

  const state = (finished: boolean, at: { cursor: typeof cursor; rng: RunState['rng'] } = { cursor, rng: trainer.rngState() }): RunState => ({
    format: RUN_FORMAT,
    step: trainer.step,
    cursor: at.cursor,
    rng: at.rng,
    data: dataSpec,
    versions: runtimeVersions(),
    backend: { ...(opts.backend ?? { name: 'unknown' }) },
    parts: { backbone: model.backbone.kind, head: model.head.kind },
    startedAt,
    wallSeconds: priorWall + (performance.now() - t0) / 1000,
    trainSeconds,
    finished,
  });
  const checkpoint = async (finished: boolean, at?: { cursor: typeof cursor; rng: RunState['rng'] }) => {
    const optimizer = trainer.optimizer.stateTensors(); // clones: disposed once written
    try {
      await saveCheckpoint(out, { params: paramTree(params), ema: trainer.ema?.shadow() ?? null, optimizer, state: state(finished, at) }, { keep: t.keepCheckpoints });
    } finally {
      for (const v of Object.values(optimizer)) v.dispose();
    }
    committedStep = trainer.step;
    lastCheckpointAt = performance.now();
  };
  const checkpointDue = (step: number) =>
    (t.checkpointEvery > 0 && step % t.checkpointEvery === 0) || (t.checkpointMinutes > 0 && performance.now() - lastCheckpointAt >= t.checkpointMinutes * 60_000);

  try {
    let interrupted = false;
    while (trainer.step < stopAt && !done()) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      const s0 = clock();
      const before = { cursor, rng: trainer.rngState() };
      const batches: tf.Tensor4D[] = [];
      for (let i = 0; i < t.accumulate; i++) {
        const b = stream.next();
        cursor = b.cursor;
        batches.push(pixelsToTensor(b.pixels, [b.indices.length, height, width, channels], { scale: model.config.pixelScale }));
      }
      let r: StepResult;
      try {
        r = await trainer.stepOn(batches, { trainSeconds });
      } catch (err) {
        if (err instanceof NonFiniteLossError) {
          await appendLine(metricsPath, { event: 'diverged', step: err.step, value: String(err.value) });
          // No update was applied: the parameters are those of the last good step; keep them whatever the config.
          if (trainer.step > 0 && committedStep !== trainer.step) await checkpoint(false, before);
          const kept =
            committedStep === null
              ? `No checkpoint exists (the run diverged at its first step).`
              : `The last good checkpoint (step ${committedStep}) is kept in ${out}.`;
          throw new NonFiniteLossError(err.step, err.value, err.what, kept);
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
      imagesTrained += t.batchSize;
      const now = performance.now();
      if (r.step % t.logEvery === 0 || r.step === 1 || last) {
        imagesPerSec = windowImages / ((now - windowStart) / 1000);
        windowStart = now;
        windowImages = 0;
        await appendLine(metricsPath, {
          step: r.step,
          loss: r.loss,
          lr: r.lr,
          gradNorm: r.gradNorm,
          imagesPerSec,
          elapsed: priorWall + (now - t0) / 1000,
          trainSeconds,
          lossByRow: r.lossByRow,
          ...(r.lossByNoise ? { lossByNoise: r.lossByNoise } : {}),
        });
        progress.update({ step: r.step, loss: r.loss, lr: r.lr, imagesPerSec });
      }
      if (t.sampleEvery > 0 && r.step % t.sampleEvery === 0 && !done()) {
        await writeSampleGrids(out, model, params, r.step, { seed: t.seed, data: train });
        await appendLine(metricsPath, { event: 'sample', step: r.step });
      }
      if (!last && checkpointDue(r.step)) await checkpoint(false);
      // Let signal handlers run between steps (a step awaits only its one read of the device).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const finished = !interrupted && done();
    let evalLoss: number | null = null;
    if (finished) {
      if (t.evalImages > 0) {
        const test = opts.datasets ? (opts.datasets.test ?? null) : await openDataset(dataSpec, { split: 'test' }).catch(() => null);
        if (test) {
          evalLoss = await evaluateLoss(model, params, test, t.evalImages, t.seed);
          await appendLine(metricsPath, { event: 'eval', step: trainer.step, evalLoss });
        }
      }
      if (!model.config.normPix) {
        await writeSampleGrids(out, model, params, trainer.step, { seed: t.seed, data: train });
        await appendLine(metricsPath, { event: 'sample', step: trainer.step });
      }
    }
    if (finished || (trainer.step > 0 && committedStep !== trainer.step)) await checkpoint(finished);
    const wallSeconds = priorWall + (performance.now() - t0) / 1000;
    const runSeconds = trainSeconds - trainSecondsAtStart;
    const runImagesPerSec = runSeconds > 0 ? imagesTrained / runSeconds : 0;
    return { out, step: trainer.step, finished, interrupted, finalLoss: lastLoss, evalLoss, imagesPerSec: runImagesPerSec, wallSeconds, model, params };
  } finally {
    progress.stop();
  }
}

export { readRunConfig };
