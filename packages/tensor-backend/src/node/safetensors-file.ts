/**
 * safetensors files on disk.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { decodeSafetensors, type DecodedSafetensors } from '../safetensors/decode-safetensors.js';
import { encodeSafetensors, type SafetensorsInput } from '../safetensors/encode-safetensors.js';
import { errnoCode, FileSystemError } from './fs-error.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Encodes tensors (see `encodeSafetensors`) and writes them to `path` atomically (see {@link writeFileAtomic}).
 *
 * @param tensors name → tfjs tensor (float32 / int32) or `{ dtype, shape, data }`
 * @param metadata string → string map stored as `__metadata__`
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, SafetensorsInput>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, await encodeSafetensors(tensors, metadata));
}

/**
 * Reads and validates a safetensors file (see `decodeSafetensors`). Errors name the path: a missing or unreadable
 * file, or what is wrong inside it.
 */
export async function loadSafetensors(path: string): Promise<DecodedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : `${e.code ?? ''} ${e.message ?? String(err)}`.trim();
    const message = `loadSafetensors: cannot read ${JSON.stringify(path)} (${why}). Check the path.`;
    const code = errnoCode(err);
    throw code ? new FileSystemError(message, code, { cause: err }) : new Error(message, { cause: err });
  }
  return decodeSafetensors(bytes, { source: path });
}
