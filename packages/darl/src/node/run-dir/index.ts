/**
 * The run directory (format `darl-run/2`): file names, one schema per file, readers and writers, crash-safe
 * checkpoint commits and the one-writer lock. See the README's "Run directory" section.
 *
 * @module
 */
export { RUN_FORMAT, RUN_FILES, runPaths, checkpointPaths, checkpointDirName, parseCheckpointDirName, sampleGridName, trainingGridPath, parseTrainingGridName, type SampleGridKind } from './layout.js';
export { CheckpointError } from './checkpoint-error.js';
export { RunLockedError } from './run-locked-error.js';
export { runStateSchema, inferenceStateSchema, type RunState, type InferenceState } from '../../run-dir/state-file.js';
export { latestSchema, type Latest } from '../../run-dir/latest-file.js';
export { lockSchema, acquireRunLock, judgeLock, lockHolderRunning, processIdentity, type LockInfo, type LockJudgement, type RunLock } from './lock-file.js';
export { readJsonFile, parseJsonText } from './read-json-file.js';
export {
  readLatest,
  writeLatest,
  listCheckpoints,
  pointerNote,
  cleanStale,
  commitCheckpoint,
  type CheckpointEntry,
  type CheckpointListing,
} from './checkpoint-store.js';
export { readDigests, checkBytes, checkpointProblem } from './checkpoint-digests.js';
export { digestsSchema, type Digests } from '../../run-dir/digests-file.js';
export { metricsStepSchema, metricsEventSchema, metricsLineText, parseMetricsText, type MetricsLine } from '../../run-dir/metrics-file.js';
export { probeFileSchema, type ProbeFile } from '../../run-dir/probe-file.js';
export { finetuneFileSchema, type FinetuneFile } from '../../run-dir/finetune-file.js';
export { generationFileSchema, type GenerationFile } from '../../run-dir/generation-file.js';
export { referenceFileSchema, type ReferenceRun } from '../../run-dir/reference-file.js';
export { openMetricsLog, settleMetrics, linesUpTo, type MetricsLog, type MetricsStart } from './metrics-log.js';
