/**
 * Turning zod validation failures into one clear paragraph per problem: where (the dotted key), what was wrong, and
 * what to do — including the closest valid name for a misspelt key.
 *
 * @module
 */
import { didYouMean, UserError } from '@darl/tensor-backend';
import { z } from 'zod';

/** Raised for an invalid configuration; `problems` holds one sentence per issue, the message is one paragraph. */
export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
  constructor(
    /** What was being validated, e.g. `run config` or a file name. */
    readonly source: string,
    /** One sentence per problem found. */
    readonly problems: readonly string[],
  ) {
    super(`Invalid ${source}: ${problems.length === 1 ? problems[0]! : problems.map((p, i) => `(${i + 1}) ${p}`).join(' ')}`);
  }
}

/** Configs produced by {@link parseConfig} (and their sections): validated once, trusted downstream. */
const validated = new WeakSet<object>();

/** True for a config object that came out of {@link parseConfig} (or is a section of one), unchanged since. */
export function isValidated(config: unknown): boolean {
  return typeof config === 'object' && config !== null && validated.has(config);
}

function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const key of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(key)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else return undefined;
  }
  return s === undefined ? undefined : unwrap(s);
}

function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  let cur = s;
  for (let i = 0; i < 8 && cur; i++) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodPrefault) {
      cur = cur.unwrap() as z.ZodType;
    } else break;
  }
  return cur;
}

/** The valid keys of the object schema at `path`, for suggestions. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const s = schemaAt(schema, path);
  return s instanceof z.ZodObject ? Object.keys(s.shape as object) : [];
}

function dotted(path: readonly PropertyKey[], key?: string): string {
  const parts = [...path.map(String), ...(key === undefined ? [] : [key])];
  return parts.length ? parts.join('.') : '(top level)';
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) v = v != null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** Human sentences for each zod issue, with closest-name suggestions for unknown keys. */
export function explainIssues(schema: z.ZodType, input: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const where = dotted(issue.path as PropertyKey[]);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const valid = keysAt(schema, issue.path as PropertyKey[]);
        for (const key of issue.keys) {
          out.push(`Unknown key "${dotted(issue.path as PropertyKey[], key)}".${didYouMean(key, valid)} Valid keys here: ${valid.join(', ')}.`);
        }
        break;
      }
      case 'invalid_value': {
        const got = valueAt(input, issue.path as PropertyKey[]);
        const hint = typeof got === 'string' ? didYouMean(got, issue.values.map(String)) : '';
        out.push(`"${where}" is ${describe(got)}; it must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.${hint}`);
        break;
      }
      case 'invalid_type':
        out.push(`"${where}" must be ${issue.expected}, got ${describe(valueAt(input, issue.path as PropertyKey[]))}.`);
        break;
      case 'too_small':
        out.push(`"${where}" is ${describe(valueAt(input, issue.path as PropertyKey[]))}; it must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}.`);
        break;
      case 'too_big':
        out.push(`"${where}" is ${describe(valueAt(input, issue.path as PropertyKey[]))}; it must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}.`);
        break;
      case 'custom':
        out.push(`"${where}": ${issue.message.replace(/\.$/, '')} (got ${describe(valueAt(input, issue.path as PropertyKey[]))}).`);
        break;
      default:
        out.push(`"${where}": ${issue.message} (got ${describe(valueAt(input, issue.path as PropertyKey[]))}).`);
    }
  }
  return out;
}

/** Parses `input` with `schema`, throwing a {@link ConfigError} that explains every problem. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, source: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) {
    const data = r.data as unknown;
    if (typeof data === 'object' && data !== null) {
      validated.add(data);
      for (const section of Object.values(data)) if (typeof section === 'object' && section !== null) validated.add(section);
    }
    return r.data;
  }
  throw new ConfigError(source, explainIssues(schema, input, r.error.issues));
}

/**
 * Applies `key=value` overrides (dotted keys) to a plain object, returning a new object. Values are parsed as JSON
 * when they are valid JSON (`3`, `true`, `[1,2]`, `"x"`), else taken as strings (`mse`).
 */
export function applyOverrides(base: Record<string, unknown>, overrides: readonly string[]): Record<string, unknown> {
  const out = structuredClone(base);
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new ConfigError('--set', [`"${o}" is not key=value (example: --set train.steps=500).`]);
    const key = o.slice(0, eq).trim();
    const raw = o.slice(eq + 1).trim();
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    const parts = key.split('.');
    let cur: Record<string, unknown> = out;
    for (const p of parts.slice(0, -1)) {
      const next = cur[p];
      if (next === undefined || next === null) cur[p] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) {
        throw new ConfigError('--set', [`"${key}": "${p}" holds ${describe(next)}, not an object, so it has no keys to set.`]);
      }
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[parts.length - 1]!] = value;
  }
  return out;
}
