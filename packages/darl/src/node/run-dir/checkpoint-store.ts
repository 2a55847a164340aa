/**
 * Committing, listing and pruning the checkpoints of a run directory. A checkpoint is written into a fresh temp
 * directory, flushed, renamed to `checkpoints/step-NNNNNNNN`, and only then committed by replacing `latest.json`
 * atomically; the previous checkpoint stays until the new one is committed. A kill or power loss at any instant
 * leaves `latest.json` naming a whole checkpoint (or none yet).
 *
 * @module
 */
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isUserError } from '@darl/tensor-backend';
import { fileSystemError, writeFileAtomic } from '@darl/tensor-backend/node';
import { CheckpointError } from './checkpoint-error.js';
import { checkpointDirName, parseCheckpointDirName, RUN_FILES, RUN_FORMAT, runPaths, TEMP_PREFIX } from './layout.js';
import { latestSchema, type Latest } from '../../run-dir/latest-file.js';
import { readJsonFile } from './read-json-file.js';
import { jsonFileText } from '../../run-dir/file-contents.js';

/** One checkpoint directory on disk. */
export interface CheckpointEntry {
  readonly step: number;
  readonly revision: number;
  /** Directory name under `checkpoints/`. */
  readonly name: string;
  /** Path of the directory. */
  readonly path: string;
  /** Whether `latest.json` names it. */
  readonly latest: boolean;
}

/** What a run directory holds: the committed pointer, the checkpoint directories (oldest first) and temp leftovers. */
export interface CheckpointListing {
  readonly latest: Latest | null;
  /** Committed checkpoints: the latest one and older ones kept, oldest first. */
  readonly checkpoints: readonly CheckpointEntry[];
  /** Directories that were never committed (newer than `latest.json`) and temp directories of interrupted writes. */
  readonly stale: readonly string[];
}

/** Reads and validates `latest.json`; null when the run has no committed checkpoint yet. */
export function readLatest(dir: string): Promise<Latest | null> {
  return readJsonFile(runPaths(dir).latest, latestSchema, 'The pointer to the last checkpoint is damaged: restore it, or start the run again with a new --out directory.', {
    optional: true,
  });
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw fileSystemError(err, path, 'list the checkpoints');
  }
}

/** Lists a run directory's checkpoints. */
export async function listCheckpoints(dir: string): Promise<CheckpointListing> {
  const latest = await readLatest(dir);
  const root = runPaths(dir).checkpoints;
  const checkpoints: CheckpointEntry[] = [];
  const stale: string[] = [];
  for (const name of await listDir(root)) {
    const path = join(root, name);
    if (name.startsWith(TEMP_PREFIX)) {
      stale.push(path);
      continue;
    }
    const parsed = parseCheckpointDirName(name);
    if (!parsed) continue;
    const isLatest = latest !== null && latest.dir === `${RUN_FILES.checkpoints}/${name}`;
    const newer = latest === null || parsed.step > latest.step || (parsed.step === latest.step && !isLatest && name > latest.dir.split('/')[1]!);
    if (newer && !isLatest) stale.push(path);
    else checkpoints.push({ ...parsed, name, path, latest: isLatest });
  }
  checkpoints.sort((a, b) => a.step - b.step || a.revision - b.revision);
  return { latest, checkpoints, stale };
}

/**
 * Removes what interrupted writes left behind: temp checkpoint directories, checkpoint directories never committed,
 * and temp files of atomic writes in the run directory. Only the lock holder calls it.
 */
export async function cleanStale(dir: string): Promise<string[]> {
  const { stale } = await listCheckpoints(dir);
  const removed = [...stale];
  for (const name of await listDir(dir)) if (name.startsWith('.') && name.endsWith('.tmp')) removed.push(join(dir, name));
  for (const path of removed) await rm(path, { recursive: true, force: true });
  return removed;
}

async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // platforms that cannot open directories (Windows): the renames are still atomic there
  } finally {
    await handle?.close();
  }
}

let counter = 0;

/**
 * Writes a checkpoint of `step`: `write(tempDir)` puts its files into a fresh directory; then the directory is
 * flushed, renamed into place, and committed by replacing `latest.json`. Afterwards only the newest `keep`
 * committed checkpoints remain. On failure nothing committed is touched and the temp directory is removed.
 *
 * @returns the committed checkpoint's directory
 */
export async function commitCheckpoint(dir: string, step: number, keep: number, write: (tempDir: string) => Promise<void>): Promise<string> {
  const paths = runPaths(dir);
  const before = await listCheckpoints(dir);
  counter += 1;
  const temp = join(paths.checkpoints, `${TEMP_PREFIX}${checkpointDirName(step)}-${process.pid}-${counter}`);
  const keptNote =
    before.latest === null
      ? 'No checkpoint was committed yet.'
      : `The last committed checkpoint (step ${before.latest.step}) is unchanged; resume from it with --resume ${dir}.`;
  let final: string;
  try {
    await mkdir(temp, { recursive: true });
    await write(temp);
    await syncDirectory(temp);
    const revisions = before.checkpoints.filter((c) => c.step === step).map((c) => c.revision);
    const name = checkpointDirName(step, revisions.length ? Math.max(...revisions) + 1 : 1);
    final = join(paths.checkpoints, name);
    await rm(final, { recursive: true, force: true }); // an uncommitted leftover of the same name
    await rename(temp, final);
    await syncDirectory(paths.checkpoints);
    const latest: Latest = { format: RUN_FORMAT, step, dir: `${RUN_FILES.checkpoints}/${name}`, committedAt: new Date().toISOString() };
    await writeFileAtomic(paths.latest, jsonFileText(latest));
  } catch (err) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    const user = fileSystemError(err, temp, `write the checkpoint of step ${step}`, keptNote);
    if (user !== err) throw user;
    if (isUserError(err)) throw new CheckpointError(`${err.message} ${keptNote}`, { cause: err });
    throw err;
  }
  const after = await listCheckpoints(dir);
  const old = after.checkpoints.filter((c) => !c.latest);
  for (const c of old.slice(0, Math.max(0, old.length - (keep - 1)))) await rm(c.path, { recursive: true, force: true });
  return final;
}
