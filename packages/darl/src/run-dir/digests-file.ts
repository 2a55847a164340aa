/**
 * `digests.json` of a checkpoint: the SHA-256 digest of each of its files, written when the checkpoint is committed
 * (after its other files, before its directory is renamed into place) and checked by every load. A checkpoint without
 * it was written by a darl older than digests; it still loads, unchecked.
 *
 * Node's writer and loader hash with `node:crypto` (`node/run-dir/checkpoint-digests.ts`); the browser-safe
 * {@link encodeRunDirectory} and {@link decodeRunDirectory} hash with `@noble/hashes` here, synchronously. Both give
 * the same lowercase hex digests.
 *
 * @module
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { z } from 'zod';
import { RUN_FILES, RUN_FORMAT } from './names.js';

/** The digest algorithm, as recorded in `digests.json`. */
export const DIGEST_ALGORITHM = 'sha256';

const hexDigest = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

/** Schema of `digests.json`: `files` maps each file name of the checkpoint directory to its digest. */
export const digestsSchema = z.strictObject({
  /** Format tag of the run directory, {@link RUN_FORMAT}. */
  format: z.literal(RUN_FORMAT),
  /** The digest algorithm, `sha256`. */
  algorithm: z.literal(DIGEST_ALGORITHM),
  /** Hex digest of each file of the checkpoint directory, by file name. */
  files: z.record(z.string().refine((n) => n !== RUN_FILES.digests && !n.includes('/'), 'must name a file of the checkpoint directory'), hexDigest),
});

/** The contents of `digests.json`. */
export type Digests = z.output<typeof digestsSchema>;

/** The lowercase hex SHA-256 digest of `bytes` (synchronous, browser-safe). */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** `digests.json` for files with these digests (names sorted, so the same files give the same bytes). */
export function digestsOf(digests: Readonly<Record<string, string>>): Digests {
  const files = Object.fromEntries(Object.keys(digests).sort().map((name) => [name, digests[name]!]));
  return digestsSchema.parse({ format: RUN_FORMAT, algorithm: DIGEST_ALGORITHM, files });
}

/**
 * The sentence saying a file does not match its recorded digest (the reader adds what to do), or null when it
 * matches or no digest is recorded for it.
 */
export function digestMismatch(digests: Digests | null, name: string, actual: string, path: string): string | null {
  const expected = digests?.files[name];
  if (expected === undefined || expected === actual) return null;
  return `${path} is damaged: its SHA-256 digest ${actual.slice(0, 12)}… differs from the ${expected.slice(0, 12)}… recorded in ${RUN_FILES.digests} when its checkpoint was committed.`;
}
