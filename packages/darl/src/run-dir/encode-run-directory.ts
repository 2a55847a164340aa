/**
 * A whole run directory (format `darl-run/2`) encoded in memory, for places without a file system: a browser saves
 * it as a zip or as separate downloads, and Node's `loadRun` (or `darl sample --run`, `darl probe`) opens it once
 * its files are on disk. Same names, schemas and bytes as Node's writer.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { encodeSafetensors, type TensorTree } from '@darl/tensor-backend';
import type { RunConfig } from '../config/schema.js';
import { digestsOf, sha256Hex } from './digests-file.js';
import { configFileText } from './config-file.js';
import { checkpointMetadata, checkpointModelTensors, jsonFileText } from './file-contents.js';
import { latestSchema } from './latest-file.js';
import { metricsLineText, type MetricsLineInput } from './metrics-file.js';
import { checkpointDirName, RUN_FILES, RUN_FORMAT } from './names.js';
import { runStateSchema, type RunState } from './state-file.js';

/** What {@link encodeRunDirectory} writes: the run's config, one committed checkpoint and optionally its metrics. */
export interface RunDirectoryInput {
  /** The validated run config (`runConfigSchema.parse(...)`); `config.json` records it fully resolved. */
  readonly run: RunConfig;
  /** `state.json` of the checkpoint, without `format` (added here); `state.step` names the checkpoint. */
  readonly state: Omit<RunState, 'format'>;
  /** The parameters (`paramTree(params)`). */
  readonly params: TensorTree;
  /** EMA weights by parameter path (`trainer.ema?.shadow()`), stored under `ema/<path>`. */
  readonly ema?: Readonly<Record<string, tf.Tensor>> | null;
  /** Optimiser slots by name (`trainer.optimizer.stateTensors()`), e.g. `m/<path>`, `v/<path>`. */
  readonly optimizer: Readonly<Record<string, tf.Tensor>>;
  /** Lines of `metrics.jsonl` (e.g. `{ step, loss, lr, … }`); default none. */
  readonly metrics?: readonly MetricsLineInput[];
  /** When the checkpoint is committed, ISO 8601 (default now). */
  readonly committedAt?: string;
}

/**
 * Encodes a run directory with one committed checkpoint, its files' SHA-256 digests in `digests.json` as Node's
 * writer records them. Reads the tensors' values (with `await data()`) and disposes nothing: the caller keeps owning every
 * tensor it passed.
 *
 * @returns file contents by path relative to the run directory, e.g. `config.json`,
 *   `checkpoints/step-00000100/model.safetensors` (forward slashes; directories implied)
 */
export async function encodeRunDirectory(input: RunDirectoryInput): Promise<Record<string, Uint8Array>> {
  const state = runStateSchema.parse({ ...input.state, format: RUN_FORMAT });
  const dir = `${RUN_FILES.checkpoints}/${checkpointDirName(state.step)}`;
  const latest = latestSchema.parse({ format: RUN_FORMAT, step: state.step, dir, committedAt: input.committedAt ?? new Date().toISOString() });
  const meta = checkpointMetadata(state.step);
  const text = new TextEncoder();
  const [model, optimizer] = await Promise.all([
    encodeSafetensors(checkpointModelTensors(input.params, input.ema), meta),
    encodeSafetensors({ ...input.optimizer }, meta),
  ]);
  const checkpoint: Record<string, Uint8Array> = {
    [RUN_FILES.model]: model,
    [RUN_FILES.optimizer]: optimizer,
    [RUN_FILES.state]: text.encode(jsonFileText(state)),
  };
  const digests = digestsOf(Object.fromEntries(Object.entries(checkpoint).map(([name, bytes]) => [name, sha256Hex(bytes)])));
  checkpoint[RUN_FILES.digests] = text.encode(jsonFileText(digests));
  return {
    [RUN_FILES.config]: text.encode(configFileText(input.run)),
    [RUN_FILES.metrics]: text.encode((input.metrics ?? []).map(metricsLineText).join('')),
    [RUN_FILES.latest]: text.encode(jsonFileText(latest)),
    ...Object.fromEntries(Object.entries(checkpoint).map(([name, bytes]) => [`${dir}/${name}`, bytes])),
  };
}
