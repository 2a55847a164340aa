/**
 * Writing and checking a checkpoint's `digests.json` on disk (the format is owned by `run-dir/digests-file.ts`):
 * SHA-256 with `node:crypto`, streamed, so a checkpoint of any size is hashed without holding it in memory.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, writeFileAtomic } from '@darl/tensor-backend/node';
import { digestMismatch, digestsOf, digestsSchema, type Digests } from '../../run-dir/digests-file.js';
import { jsonFileText } from '../../run-dir/file-contents.js';
import { RUN_FILES } from './layout.js';
import { readJsonFile } from './read-json-file.js';

/** The lowercase hex SHA-256 of bytes in memory. */
export function sha256OfBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The lowercase hex SHA-256 of a file, streamed. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Hashes every file of a checkpoint directory being written and records the digests in its `digests.json`. */
export async function writeDigests(checkpointDir: string): Promise<Digests> {
  const files: Record<string, string> = {};
  for (const name of await readdir(checkpointDir)) {
    if (name === RUN_FILES.digests || name.startsWith('.')) continue;
    const path = join(checkpointDir, name);
    if ((await stat(path)).isFile()) files[name] = await sha256OfFile(path);
  }
  const digests = digestsOf(files);
  await writeFileAtomic(join(checkpointDir, RUN_FILES.digests), jsonFileText(digests));
  return digests;
}

/** A checkpoint's `digests.json`; null for a checkpoint written before digests. `remedy` ends a damaged-file error. */
export function readDigests(checkpointDir: string, remedy: string): Promise<Digests | null> {
  return readJsonFile(join(checkpointDir, RUN_FILES.digests), digestsSchema, remedy, { optional: true });
}

/** The sentence saying `bytes` (file `name` of the checkpoint at `path`) do not match the recorded digest, or null. */
export function checkBytes(digests: Digests | null, name: string, bytes: Uint8Array, path: string): string | null {
  return digests?.files[name] === undefined ? null : digestMismatch(digests, name, sha256OfBytes(bytes), path);
}

/**
 * Whether a checkpoint directory is complete and intact: its state, model and optimiser files exist and, where it
 * records digests, every file matches. Returns null when it is, else the first problem found.
 */
export async function checkpointProblem(checkpointDir: string): Promise<string | null> {
  let digests: Digests | null;
  try {
    digests = await readDigests(checkpointDir, '');
  } catch (err) {
    return (err as Error).message.trim();
  }
  const names = new Set<string>([RUN_FILES.state, RUN_FILES.model, RUN_FILES.optimizer, ...Object.keys(digests?.files ?? {})]);
  for (const name of names) {
    const path = join(checkpointDir, name);
    let actual: string;
    try {
      actual = await sha256OfFile(path);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return `${path} is missing.`;
      return `${path} cannot be read (${(err as Error).message}).`;
    }
    const mismatch = digestMismatch(digests, name, actual, path);
    if (mismatch) return mismatch;
  }
  return null;
}
