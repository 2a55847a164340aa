/**
 * The pre-flight checks of a pretraining run: each refuses, before anything is written or allocated, a run that
 * could not start or finish (a user error naming the fix).
 *
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageDataset } from '@darl/patch-data';
import { fileSystemError } from '@darl/tensor-backend/node';
import { backboneConfigFor } from '../../../config/backbone-config.js';
import type { RunConfig, RunConfigInput } from '../../../config/schema.js';
import type { DarlModel } from '../../../model/darl-model.js';
import { CheckpointError, type RunState } from '../../run-dir/checkpoint.js';
import { RunError } from '../../run-error.js';
import { parseCheckpointDirName, RUN_FILES, runPaths } from '../../run-dir/index.js';

/** An image shape. */
export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Refuses `fromStep` without `resume`: it picks a checkpoint of an existing run, and a new run starts at step 0. */
export function checkFromStep(resume: boolean, fromStep: number | undefined): void {
  if (fromStep !== undefined && !resume) {
    throw new RunError(
      `--from-step ${fromStep} continues an existing run from its kept checkpoint of step ${fromStep}, so it needs --resume: ` +
        `darl pretrain --resume RUN_DIR --from-step ${fromStep}. A new run starts at step 0: drop --from-step.`,
    );
  }
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

/** Fills `model.image` with `image` when the user did not set it (the config's own image is kept). */
export function withImage(input: RunConfigInput, image: ImageShape): RunConfigInput {
  if (input.model?.image !== undefined) return input;
  return { ...input, model: { ...(input.model ?? {}), image: { height: image.height, width: image.width, channels: image.channels } } };
}

/** Refuses data whose images differ from the model's (`name` names the data). */
export function checkImageMatchesData(image: ImageShape, data: ImageDataset): void {
  const { height, width, channels } = image;
  if (height !== data.height || width !== data.width || channels !== data.channels) {
    throw new RunError(
      `The model expects ${height}×${width}×${channels} images but the data "${data.name}" has ${data.height}×${data.width}×${data.channels}. ` +
        'Remove model.image from the config to use the data\'s shape, or resize the data (folder:DIR accepts a size).',
    );
  }
}

/** Fills `model.image` from the dataset when the user did not set it; else checks they agree. */
export function fitImageToData(input: RunConfigInput, data: ImageDataset): RunConfigInput {
  const given = input.model?.image;
  if (given !== undefined) {
    const { height = 28, width = 28, channels = 1 } = given;
    checkImageMatchesData({ height, width, channels }, data);
  }
  return withImage(input, data);
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

/** The refusal to start a new run over an existing one. */
export function alreadyHoldsRun(out: string): RunError {
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
  if (existsSync(join(out, RUN_FILES.state))) throw alreadyHoldsRun(out);
  // Checkpoints without a pointer are a run too (its latest.json was lost): never start over them.
  const checkpoints = existsSync(runPaths(out).checkpoints) ? readdirSync(runPaths(out).checkpoints) : [];
  if (checkpoints.some((name) => parseCheckpointDirName(name) !== null)) throw alreadyHoldsRun(out);
}

/** Resuming with other parts than the run was trained with is refused, naming the parts to pass. */
export function checkParts(out: string, saved: RunState['parts'] | undefined, model: DarlModel): void {
  if (!saved) return;
  const now = { backbone: model.backbone.kind, head: model.head.kind };
  if (saved.backbone !== now.backbone || saved.head !== now.head) {
    throw new CheckpointError(
      `The run in ${out} was trained with backbone "${saved.backbone}" and head "${saved.head}", but the given parts build backbone "${now.backbone}" and head "${now.head}". ` +
        'Pass the same parts again ({ parts: { backbone, head } }); the built-in ones need none.',
    );
  }
}
