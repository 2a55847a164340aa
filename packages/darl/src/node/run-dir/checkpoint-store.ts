/**
 * Committing, listing and pruning the checkpoints of a run directory. A checkpoint is written into a fresh temp
 * directory, flushed, renamed to `checkpoints/step-NNNNNNNN`, and only then committed by replacing `latest.json`
 * atomically; the previous checkpoint stays until the new one is committed. A kill or power loss at any instant
 * leaves `latest.json` naming a whole checkpoint (or none yet).
 *
 * @module
 */
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isUserError } from '@darl/tensor-backend';
import { fileSystemError, writeFileAtomic } from '@darl/tensor-backend/node';
import { CheckpointError } from './checkpoint-error.js';
import { checkpointDirName, parseCheckpointDirName, RUN_FILES, RUN_FORMAT, runPaths, TEMP_PREFIX } from './layout.js';
import { latestSchema, type Latest } from '../../run-dir/latest-file.js';
import { readJsonFile } from './read-json-file.js';
import { checkpointProblem, writeDigests } from './checkpoint-digests.js';
import { jsonFileText } from '../../run-dir/file-contents.js';

/** One checkpoint directory on disk. */
export interface CheckpointEntry {
  /** Step of the checkpoint. */
  readonly step: number;
  /** Revision of that step's directory: 1, or 2, 3, ... for a later checkpoint of the same step (`step-00000400-2`). */
  readonly revision: number;
  /** Directory name under `checkpoints/`. */
  readonly name: string;
  /** Path of the directory. */
  readonly path: string;
  /** Whether it is the committed checkpoint (named by `latest.json`, or recovered without it). */
  readonly latest: boolean;
}

/**
 * What a run directory holds. `latest.json` is a cache of which checkpoint is committed, never the only truth: when it
 * is missing, damaged, inconsistent or names a missing directory, the committed checkpoint is the newest checkpoint
 * directory that is complete and intact (`recovered`), and nothing is called stale on its strength.
 */
export interface CheckpointListing {
  /** The committed checkpoint: what `latest.json` names, or the one recovered without it; null when none is. */
  readonly latest: Latest | null;
  /** Why `latest.json` could not be used (one sentence naming it), or null when it names an existing checkpoint. */
  readonly pointerProblem: string | null;
  /** Whether `latest` was found by checking the checkpoint directories instead of from `latest.json`. */
  readonly recovered: boolean;
  /** Checkpoints: the committed one and older ones kept, oldest first (all intact-looking ones without a pointer). */
  readonly checkpoints: readonly CheckpointEntry[];
  /**
   * What can be removed: temp directories of interrupted writes and, only when `latest.json` names an existing
   * checkpoint, directories newer than it (renamed into place, never committed).
   */
  readonly stale: readonly string[];
  /** Checkpoint directories found incomplete or damaged while recovering, with the problem; never removed. */
  readonly damaged: readonly {
    /** Path of the directory. */
    readonly path: string;
    /** What is wrong with it, one sentence. */
    readonly problem: string;
  }[];
}

const POINTER_REMEDY = 'darl finds the newest intact checkpoint without it.';

/** Reads and validates `latest.json`; null when it does not exist. Throws a CheckpointError when it is damaged. */
export function readLatest(dir: string): Promise<Latest | null> {
  return readJsonFile(runPaths(dir).latest, latestSchema, POINTER_REMEDY, { optional: true });
}

/** `latest.json` as far as it can be trusted: the pointer, or why it cannot be used (missing: both null). */
async function readPointer(dir: string): Promise<{ latest: Latest | null; problem: string | null }> {
  const path = runPaths(dir).latest;
  let latest: Latest | null;
  try {
    latest = await readLatest(dir);
  } catch (err) {
    if (!isUserError(err)) throw err;
    return { latest: null, problem: err.message.replace(` ${POINTER_REMEDY}`, '').replace(/\.$/, '') };
  }
  if (latest === null) return { latest: null, problem: null };
  const named = parseCheckpointDirName(latest.dir.split('/')[1]!)!;
  if (named.step !== latest.step) return { latest: null, problem: `${path} says step ${latest.step} but names ${latest.dir}` };
  return { latest, problem: null };
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw fileSystemError(err, path, 'list the checkpoints');
  }
}

interface DirScan {
  readonly temps: string[];
  readonly entries: Omit<CheckpointEntry, 'latest'>[];
}

async function scanCheckpoints(dir: string): Promise<DirScan> {
  const root = runPaths(dir).checkpoints;
  const temps: string[] = [];
  const entries: Omit<CheckpointEntry, 'latest'>[] = [];
  for (const name of await listDir(root)) {
    if (name.startsWith(TEMP_PREFIX)) temps.push(join(root, name));
    const parsed = parseCheckpointDirName(name);
    if (parsed) entries.push({ ...parsed, name, path: join(root, name) });
  }
  entries.sort((a, b) => a.step - b.step || a.revision - b.revision);
  return { temps, entries };
}

/**
 * Lists a run directory's checkpoints. When `latest.json` cannot be used, the newest complete and intact checkpoint
 * directory (every file present, digests matching) is the committed one; finding it reads those files.
 */
export async function listCheckpoints(dir: string): Promise<CheckpointListing> {
  for (let attempt = 0; ; attempt++) {
    const pointer = await readPointer(dir);
    const scan = await scanCheckpoints(dir);
    const { latest } = pointer;
    const named = latest && scan.entries.find((e) => `${RUN_FILES.checkpoints}/${e.name}` === latest.dir);
    if (latest && named) {
      const newer = (e: Omit<CheckpointEntry, 'latest'>) => e.step > named.step || (e.step === named.step && e.revision > named.revision);
      return {
        latest,
        pointerProblem: null,
        recovered: false,
        checkpoints: scan.entries.filter((e) => !newer(e)).map((e) => ({ ...e, latest: e === named })),
        stale: [...scan.temps, ...scan.entries.filter(newer).map((e) => e.path)],
        damaged: [],
      };
    }
    // A reader may see the pointer just before a writer replaced it and pruned what it named: look again.
    if (latest && attempt < 3 && JSON.stringify((await readPointer(dir)).latest) !== JSON.stringify(latest)) continue;
    const problem = pointer.problem ?? (latest ? `${runPaths(dir).latest} names ${latest.dir}, which is missing` : scan.entries.length ? `${runPaths(dir).latest} is missing` : null);
    return recoverCommitted(scan, problem);
  }
}

/** Without a usable pointer: the newest intact checkpoint directory is the committed one; nothing is stale but temps. */
async function recoverCommitted(scan: DirScan, problem: string | null): Promise<CheckpointListing> {
  const damaged: { path: string; problem: string }[] = [];
  let found: Omit<CheckpointEntry, 'latest'> | undefined;
  for (const entry of [...scan.entries].reverse()) {
    const why = await checkpointProblem(entry.path);
    if (why === null) {
      found = entry;
      break;
    }
    damaged.unshift({ path: entry.path, problem: why });
  }
  const latest: Latest | null = found
    ? { format: RUN_FORMAT, step: found.step, dir: `${RUN_FILES.checkpoints}/${found.name}`, committedAt: (await stat(found.path)).mtime.toISOString() }
    : null;
  const isDamaged = new Set(damaged.map((d) => d.path));
  return {
    latest,
    pointerProblem: problem,
    recovered: latest !== null,
    checkpoints: scan.entries.filter((e) => !isDamaged.has(e.path)).map((e) => ({ ...e, latest: e === found })),
    stale: [...scan.temps],
    damaged,
  };
}

/**
 * One sentence for a listing whose pointer could not be used: what was wrong and which checkpoint is committed
 * instead, listing the intact ones; null when the pointer was fine.
 */
export function pointerNote(listing: CheckpointListing): string | null {
  if (listing.pointerProblem === null) return null;
  const kept = listing.checkpoints.map((c) => c.step).join(', ');
  const damaged = listing.damaged.length ? ` Not intact: ${listing.damaged.map((d) => d.problem).join(' ')}` : '';
  return listing.latest
    ? `${listing.pointerProblem}; the newest intact checkpoint is step ${listing.latest.step} (${listing.latest.dir}; intact checkpoints: ${kept}).${damaged}`
    : `${listing.pointerProblem}, and no checkpoint directory is intact.${damaged}`;
}

/** Writes `latest.json` (atomically): how a checkpoint is committed, and how a recovered pointer is restored. */
export async function writeLatest(dir: string, latest: Latest): Promise<void> {
  await writeFileAtomic(runPaths(dir).latest, jsonFileText(latestSchema.parse(latest)));
}

/**
 * Removes what interrupted writes left behind: temp checkpoint directories, checkpoint directories never committed
 * (only when `latest.json` names an existing checkpoint that is verified intact), and temp files of atomic writes in the run directory. Only
 * the lock holder calls it.
 */
export async function cleanStale(dir: string): Promise<string[]> {
  const listing = await listCheckpoints(dir);
  const temps = listing.stale.filter((p) => basename(p).startsWith(TEMP_PREFIX));
  const committed = listing.checkpoints.find((c) => c.latest);
  // Newer directories go only when the checkpoint the pointer names is verified intact.
  const newer = listing.stale.length > temps.length && committed && (await checkpointProblem(committed.path)) === null ? listing.stale : temps;
  const removed = [...newer];
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
    await writeDigests(temp);
    await syncDirectory(temp);
    // A fresh name: a directory of this step already there (damaged, or never committed) is kept, not replaced.
    const revisions = (await scanCheckpoints(dir)).entries.filter((c) => c.step === step).map((c) => c.revision);
    const name = checkpointDirName(step, revisions.length ? Math.max(...revisions) + 1 : 1);
    final = join(paths.checkpoints, name);
    await rename(temp, final);
    await syncDirectory(paths.checkpoints);
    await writeLatest(dir, { format: RUN_FORMAT, step, dir: `${RUN_FILES.checkpoints}/${name}`, committedAt: new Date().toISOString() });
  } catch (err) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    const user = fileSystemError(err, temp, `write the checkpoint of step ${step}`, keptNote);
    if (user !== err) throw user;
    if (isUserError(err)) throw new CheckpointError(`${err.message} ${keptNote}`, { cause: err });
    throw err;
  }
  // Pruning trusts only the pointer just written: older checkpoints than the one committed now, beyond `keep`.
  const after = await listCheckpoints(dir);
  if (after.recovered || after.latest?.dir !== `${RUN_FILES.checkpoints}/${basename(final)}`) return final;
  const old = after.checkpoints.filter((c) => !c.latest);
  for (const c of old.slice(0, Math.max(0, old.length - (keep - 1)))) await rm(c.path, { recursive: true, force: true });
  return final;
}
