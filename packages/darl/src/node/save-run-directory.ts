/**
 * Saves a hand-written training loop's state as a run directory on disk, in one call: `encodeTrainerRun`'s files,
 * with every package version recorded, `latest.json` (the commit marker) written last.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import { RUN_FILES } from '../run-dir/names.js';
import { encodeTrainerRun, type TrainerRunOptions } from '../run-dir/trainer-run-directory.js';
import type { DarlTrainer } from '../train/trainer.js';
import { checkNewRunDirectory } from './jobs/pretrain/checks.js';
import { runtimeVersions } from './versions.js';

/**
 * Writes the trainer's current state to a new run directory `dir` (created; refused if it already holds a run), which
 * `loadRun`, `probeRun`, `darl sample --run` and `darl pretrain --resume` then open. Custom parts are recorded by kind;
 * pass the same `parts` to `loadRun` again.
 *
 * @returns `dir`
 * @example
 * const startedAt = new Date();
 * while (trainer.step < steps) await trainer.stepOn([nextBatch()]);
 * await saveRunDirectory('runs/mine', trainer, { data: 'mnist', cursor: stream.cursor, startedAt, backend });
 */
export async function saveRunDirectory(dir: string, trainer: DarlTrainer, opts: TrainerRunOptions): Promise<string> {
  checkNewRunDirectory(dir);
  const files = await encodeTrainerRun(trainer, { versions: runtimeVersions(), ...opts });
  const paths = Object.keys(files).sort((a, b) => Number(a === RUN_FILES.latest) - Number(b === RUN_FILES.latest));
  for (const path of paths) {
    const file = join(dir, ...path.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, files[path]!);
  }
  return dir;
}
