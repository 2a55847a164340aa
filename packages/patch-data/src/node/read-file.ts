/**
 * Reading dataset files: whole-file reads, transparently gunzipped, with errors that name the file.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DatasetError } from '../dataset.js';

const gunzipAsync = promisify(gunzip);

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a file into memory, decompressing it when it is gzipped (by its magic number, whatever its name). The
 * result is the only copy kept: callers view into it rather than copying.
 */
export async function readDatasetFile(path: string, what: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(
      `Cannot read ${what} file ${path}: ${code === 'ENOENT' ? 'it does not exist' : (err as Error).message}. Check the path.`,
    );
  }
  if (!isGzip(raw)) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    const out = await gunzipAsync(raw);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new DatasetError(
      `Cannot decompress ${what} file ${path}: it starts like a gzip file but is not a valid one (${(err as Error).message}). ` +
        'The file is probably truncated or corrupt; download it again.',
    );
  }
}
