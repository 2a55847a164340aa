/**
 * Parsing the text of one JSON run file against its schema, for every reader: Node's store (which throws a
 * `CheckpointError`), the browser's `decodeRunDirectory` (a `PretrainedError`) and the report (a warning). Each gets
 * the same sentence naming the file and what is wrong, and adds what to do.
 *
 * @module
 */
import type { z } from 'zod';

/** Formats the first few zod issues as `key: problem`. */
export function summarizeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 4).map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  return parts.join('; ') + (issues.length > 4 ? `; and ${issues.length - 4} more` : '');
}

/**
 * Parses JSON text (a UTF-8 byte-order mark is allowed) against `schema`: the value, or the sentence saying why
 * `where` (the file, as the reader names it) cannot be used.
 */
export function parseRunFileText<S extends z.ZodType>(text: string, schema: S, where: string): { value: z.output<S> } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    return { problem: `${where} is not valid JSON (${(err as Error).message}).` };
  }
  const r = schema.safeParse(value);
  return r.success ? { value: r.data } : { problem: `${where} is damaged: ${summarizeIssues(r.error.issues)}.` };
}
