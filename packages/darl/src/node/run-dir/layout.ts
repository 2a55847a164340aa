/**
 * Paths of a run directory's files on disk. The names and the layout (format `darl-run/2`) are owned by the
 * browser-safe `run-dir/names.ts`, re-exported here for Node's readers and writers.
 *
 * @module
 */
import { join } from 'node:path';
import { RUN_FILES } from '../../run-dir/names.js';

export { RUN_FORMAT, RUN_FILES, TEMP_PREFIX, checkpointDirName, parseCheckpointDirName } from '../../run-dir/names.js';
export { sampleGridName, trainingGridPath, parseTrainingGridName, type SampleGridKind } from '../../run-dir/sample-grids.js';

/** Absolute-or-relative paths of one run directory's files. */
export function runPaths(dir: string) {
  return {
    dir,
    config: join(dir, RUN_FILES.config),
    metrics: join(dir, RUN_FILES.metrics),
    metricsRewind: join(dir, RUN_FILES.metricsRewind),
    latest: join(dir, RUN_FILES.latest),
    lock: join(dir, RUN_FILES.lock),
    checkpoints: join(dir, RUN_FILES.checkpoints),
    samples: join(dir, RUN_FILES.samples),
    report: join(dir, RUN_FILES.report),
    probe: join(dir, RUN_FILES.probe),
    finetune: join(dir, RUN_FILES.finetune),
    generation: join(dir, RUN_FILES.generation),
    reference: join(dir, RUN_FILES.reference),
  };
}

/** Paths of the files of one checkpoint directory. */
export function checkpointPaths(checkpointDir: string) {
  return {
    dir: checkpointDir,
    state: join(checkpointDir, RUN_FILES.state),
    model: join(checkpointDir, RUN_FILES.model),
    optimizer: join(checkpointDir, RUN_FILES.optimizer),
  };
}
