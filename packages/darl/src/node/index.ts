/**
 * `darl/node`: file and process I/O — pretraining runs with checkpoints and resume, loading runs, sample grids,
 * run reports, and the CLI entry point.
 *
 * @module
 */
export { pretrain, planPretrain, evaluateLoss, fitImageToData, type PlanOptions, type PretrainPlan, type PretrainOptions, type PretrainResult } from './pretrain.js';
export { RunError } from './run-error.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  readRunConfig,
  writeRunConfig,
  CheckpointError,
  RUN_FORMAT,
  DEFAULT_KEEP_CHECKPOINTS,
  type RunState,
  type InferenceState,
  type LoadedCheckpoint,
  type LoadCheckpointOptions,
  type LoadPurpose,
} from './run-dir/checkpoint.js';
export {
  RUN_FILES,
  runStateSchema,
  latestSchema,
  lockSchema,
  listCheckpoints,
  readLatest,
  digestsSchema,
  acquireRunLock,
  judgeLock,
  RunLockedError,
  type Latest,
  type LockInfo,
  type LockJudgement,
  type CheckpointEntry,
  type Digests,
  type CheckpointListing,
} from './run-dir/index.js';
export { loadRun, type LoadedRun } from './load-run.js';
export { saveRunDirectory } from './save-run-directory.js';
export type { JobDatasets } from './jobs/job-data.js';
export { writeSampleGrids } from './jobs/samples.js';
export { runtimeVersions } from './versions.js';
export { runCli, type CliIO } from './cli/program.js';
export { composeRunConfig, type ComposedRunConfig, type ConfigSources } from './cli/compose-config.js';
export { probeRun, probeJson, type ProbeRunOptions } from './jobs/probe-run.js';
export { finetuneRun, type FinetuneRunOptions, type FinetuneSetting, type FinetuneInit } from './jobs/finetune-run.js';
export { generationQualityRun, type GenerationQualityRunOptions } from './jobs/generation-quality-run.js';
export { writeReport, renderReport, readRunData, parseReferenceRun, referenceRunOf, type RunData } from './report/index.js';
