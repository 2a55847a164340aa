/**
 * Reading one JSON run file against its zod schema; every failure names the file, what is wrong, and what to do.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { errnoCode, fileSystemFix } from '@darl/tensor-backend/node';
import { CheckpointError } from './checkpoint-error.js';

/** Formats the first few zod issues as `key: problem`. */
export function summarizeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 4).map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  return parts.join('; ') + (issues.length > 4 ? `; and ${issues.length - 4} more` : '');
}

/** Parses JSON text (a UTF-8 byte-order mark is allowed) against `schema`; `what` names the source in errors. */
export function parseJsonText<S extends z.ZodType>(text: string, schema: S, path: string, remedy: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new CheckpointError(`${path} is not valid JSON (${(err as Error).message}). ${remedy}`);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new CheckpointError(`${path} is damaged: ${summarizeIssues(r.error.issues)}. ${remedy}`);
  return r.data;
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
