/**
 * Atomic file replacement: readers see the old file or the new one, never a partial write.
 *
 * @module
 */
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode, FileSystemError, fileSystemFix } from './fs-error.js';

let counter = 0;

/** A temp-file name in the target's directory (same file system, so `rename` is atomic). */
function tempPathFor(path: string): string {
  counter = (counter + 1) % 1_000_000;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.${counter}.tmp`);
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string } | null;
  return e?.code ? `${e.code}: ${e.message ?? ''}`.trim() : String(e?.message ?? err);
}

/**
 * Writes `data` to `path` atomically: into a temp file in the same directory, flushed to disk (fsync), then renamed
 * over `path`, and the directory entry flushed. If anything fails, an existing file at `path` is left unchanged,
 * the temp file is removed, and the error names `path` and the cause. A replaced file keeps its permission bits.
 *
 * @param path the file to create or replace
 * @param data bytes, or a string written as UTF-8
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const temp = tempPathFor(path);
  let created = false;
  try {
    const mode = await stat(path).then(
      (s) => s.mode & 0o7777,
      () => 0o666, // a new file: default permissions, less the umask
    );
    const handle = await open(temp, 'wx', mode);
    created = true;
    try {
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
        written += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    created = false;
  } catch (err) {
    if (created) await unlink(temp).catch(() => undefined);
    const message = `writeFileAtomic: could not write ${JSON.stringify(path)} (${reason(err)}); any previous file there is unchanged.`;
    const code = errnoCode(err);
    const fix = fileSystemFix(code);
    if (code && fix) throw new FileSystemError(`${message} Cause: ${fix}.`, code, { cause: err });
    throw new Error(message, { cause: err });
  }
  await syncDirectory(dirname(path));
}

/** Flushes a directory entry after a rename (POSIX); platforms that cannot open directories skip it. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open or fsync a directory; the rename itself is still atomic there.
  } finally {
    await handle?.close();
  }
}
