/**
 * Reading one JSON run file against its zod schema; every failure names the file, what is wrong, and what to do.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { errnoCode, fileSystemFix } from '@darl/tensor-backend/node';
import { CheckpointError } from './checkpoint-error.js';
import { parseRunFileText } from '../../run-dir/parse-run-file.js';

/** Parses JSON text (a UTF-8 byte-order mark is allowed) against `schema`; `remedy` says what to do when it fails. */
export function parseJsonText<S extends z.ZodType>(text: string, schema: S, path: string, remedy: string): z.output<S> {
  const r = parseRunFileText(text, schema, path);
  if ('problem' in r) throw new CheckpointError(`${r.problem} ${remedy}`);
  return r.value;
}

/**
 * Reads and validates a JSON file. A missing file is `null` when `optional`, else an error; `remedy` is the
 * sentence telling the user what to do when the file is missing or damaged.
 */
export async function readJsonFile<S extends z.ZodType>(
  path: string,
  schema: S,
  remedy: string,
  opts: { optional: true },
): Promise<z.output<S> | null>;
export async function readJsonFile<S extends z.ZodType>(path: string, schema: S, remedy: string, opts?: { optional?: false }): Promise<z.output<S>>;
export async function readJsonFile<S extends z.ZodType>(
  path: string,
  schema: S,
  remedy: string,
  opts: { optional?: boolean } = {},
): Promise<z.output<S> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' && opts.optional) return null;
    throw new CheckpointError(
      `Cannot read ${path}: ${code === 'ENOENT' ? 'the file is missing' : (fileSystemFix(code) ?? (err as Error).message)}. ${remedy}`,
      { cause: err },
    );
  }
  return parseJsonText(text, schema, path, remedy);
}
