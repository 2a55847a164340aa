/**
 * What each file of a run directory holds, as text or as the tensors of a safetensors file — shared by Node's
 * writers (`node/checkpoint.ts`, `node/run-dir/checkpoint-store.ts`) and the in-memory {@link encodeRunDirectory},
 * so a run written on disk and one encoded in a browser are the same bytes for the same inputs.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { flattenTree, type TensorTree } from '@darl/tensor-backend';
import { RUN_FORMAT } from './names.js';

/** A JSON file of the run directory: two-space indented, one trailing newline. */
export function jsonFileText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The tensors of `model.safetensors`: parameters by path, EMA weights under `ema/<path>`. */
export function checkpointModelTensors(params: TensorTree, ema?: Readonly<Record<string, tf.Tensor>> | null): Record<string, tf.Tensor> {
  const model: Record<string, tf.Tensor> = Object.fromEntries(flattenTree(params));
  for (const [path, t] of Object.entries(ema ?? {})) model[`ema/${path}`] = t;
  return model;
}

/** The metadata of a checkpoint's safetensors files. */
export function checkpointMetadata(step: number): Record<string, string> {
  return { format: RUN_FORMAT, step: String(step) };
}
