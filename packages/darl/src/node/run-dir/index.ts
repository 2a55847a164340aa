/**
 * The run directory (format `darl-run/2`): file names, one schema per file, readers and writers, crash-safe
 * checkpoint commits and the one-writer lock. See the README's "Run directory" section.
 *
 * @module
 */
export { RUN_FORMAT, RUN_FILES, runPaths, checkpointPaths, checkpointDirName, parseCheckpointDirName } from './layout.js';
export { CheckpointError } from './checkpoint-error.js';
export { RunLockedError } from './run-locked-error.js';
export { runStateSchema, type RunState } from '../../run-dir/state-file.js';
export { latestSchema, type Latest } from '../../run-dir/latest-file.js';
export { lockSchema, acquireRunLock, judgeLock, processIdentity, type LockInfo, type LockJudgement, type RunLock } from './lock-file.js';
export { readJsonFile, parseJsonText } from './read-json-file.js';
export { readLatest, listCheckpoints, cleanStale, commitCheckpoint, type CheckpointEntry, type CheckpointListing } from './checkpoint-store.js';
export { openMetricsLog, settleMetrics, linesUpTo, type MetricsLog, type MetricsStart } from './metrics-log.js';
