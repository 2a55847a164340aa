// Reads a run directory into one plain `RunData` object that the renderer turns into HTML. Every file is parsed by
// its schema in `run-dir/` (config.json is shown as written); absent files become absent fields, and a file or line
// its schema refuses becomes an entry in `warnings` (shown at the top of the report), so a report can always be
// written for a half-finished or crashed run.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { PNG } from 'pngjs';
import { UserError } from '@darl/tensor-backend';
import {
  finetuneFileSchema,
  generationFileSchema,
  inferenceStateSchema,
  listCheckpoints,
  parseMetricsText,
  parseTrainingGridName,
  pointerNote,
  probeFileSchema,
  referenceFileSchema,
  RUN_FILES,
  runPaths,
  type FinetuneFile,
  type GenerationFile,
  type InferenceState,
  type MetricsLine,
  type ProbeFile,
  type ReferenceRun,
  type SampleGridKind,
} from '../run-dir/index.js';
import { parseRunFileText, summarizeIssues } from '../../run-dir/parse-run-file.js';

/** A PNG written during training, already inlined as a `data:` URI. */
export interface RunImage {
  /** `grid`: a sample grid; `completion`: prefix completions (names in `run-dir/sample-grids.ts`). */
  readonly kind: SampleGridKind;
  readonly step: number;
  /** Path relative to the run directory, for labels only. */
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly dataUri: string;
}

/** A logged training step of `metrics.jsonl`. */
type StepLine = Exclude<MetricsLine, { event: string }>;
/** An event line of `metrics.jsonl`. */
type EventLine = Extract<MetricsLine, { event: string }>;

/** Everything the report shows, read from one run directory. Optional parts are absent when their file is. */
export interface RunData {
  /** Display name: the run directory's base name unless a title was given. */
  readonly name: string;
  /** `config.json` as written: `{ model: DarlConfig, train: TrainConfig }`. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** `state.json` of the committed checkpoint. */
  readonly state?: InferenceState;
  /** The logged training steps of `metrics.jsonl`, in step order. */
  readonly metrics: readonly StepLine[];
  /** Its events (`sample`, `eval`, …), in file order. */
  readonly events: readonly EventLine[];
  /** `probe.json`, when present. */
  readonly probe?: ProbeFile;
  /** `finetune.json`, when present. */
  readonly finetune?: FinetuneFile;
  /** `generation.json`, when present. */
  readonly generation?: GenerationFile;
  /** `reference.json`, when present (or the reference given to `writeReport`). */
  readonly reference?: ReferenceRun;
  /** Sample grids and completions in step order. */
  readonly images: readonly RunImage[];
  /** Problems met while reading (malformed lines, unreadable images); shown at the top of the report. */
  readonly warnings: readonly string[];
}

/** The text of a file; `undefined` when it does not exist. */
async function readOptionalText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A JSON file parsed by `schema`; `undefined` when it does not exist, a warning when it does not parse. */
async function readRunFile<S extends z.ZodType>(path: string, name: string, schema: S, warnings: string[]): Promise<z.output<S> | undefined> {
  const text = await readOptionalText(path);
  if (text === undefined) return undefined;
  const r = parseRunFileText(text, schema, name);
  if ('value' in r) return r.value;
  warnings.push(`${r.problem} It was ignored.`);
  return undefined;
}

/** `config.json` as written (loaders validate it with the run config's schema; the report shows it). */
async function readConfig(runDir: string, warnings: string[]): Promise<Readonly<Record<string, unknown>> | undefined> {
  const text = await readOptionalText(runPaths(runDir).config);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    warnings.push(`${RUN_FILES.config} is not a JSON object. It was ignored.`);
  } catch (err) {
    warnings.push(`${RUN_FILES.config} is not valid JSON (${(err as Error).message}). It was ignored.`);
  }
  return undefined;
}

/**
 * Checks and normalises a reference run (from `reference.json` or from code) against its schema
 * (`run-dir/reference-file.ts`). Throws a user error naming the first problems.
 */
export function parseReferenceRun(o: unknown, where = 'reference'): ReferenceRun {
  const r = referenceFileSchema.safeParse(o);
  if (r.success) return r.data;
  throw new UserError(
    `${where}: ${summarizeIssues(r.error.issues)}. A reference run is { "name": string, "loss": [[step, loss], ...], "probe"?: { "testAccuracy", "rawPixels" }, "notes"?: string }; fix the file or leave it out.`,
  );
}

/** Reads one PNG, checks that it decodes, and inlines it; a warning instead when it does not. */
async function readImage(dir: string, file: string, warnings: string[]): Promise<RunImage | undefined> {
  const grid = parseTrainingGridName(basename(file));
  if (!grid) return undefined;
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(dir, file));
  } catch (err) {
    warnings.push(`${file}: cannot be read (${(err as Error).message}); it is not shown.`);
    return undefined;
  }
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (err) {
    warnings.push(`${file}: is not a valid PNG (${(err as Error).message}); it is not shown.`);
    return undefined;
  }
  return { ...grid, file, width: png.width, height: png.height, dataUri: `data:image/png;base64,${bytes.toString('base64')}` };
}

/** Image files of the run: every training grid in `samples/`, plus files named by sample events. */
async function listImageFiles(dir: string, events: readonly EventLine[], warnings: string[]): Promise<string[]> {
  const files = new Set<string>();
  try {
    for (const name of await readdir(runPaths(dir).samples)) if (parseTrainingGridName(name)) files.add(`${RUN_FILES.samples}/${name}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const root = resolve(dir);
  for (const e of events) {
    const file = e.event === 'sample' && typeof e.file === 'string' ? e.file : undefined;
    if (file === undefined) continue;
    const rel = relative(root, resolve(root, file));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      warnings.push(`${RUN_FILES.metrics}: sample event at step ${String(e.step)} names "${file}", outside the run directory; it is not shown.`);
    } else if (parseTrainingGridName(basename(rel))) {
      files.add(rel.split(sep).join('/'));
    }
  }
  return [...files];
}

/**
 * `state.json` of the committed checkpoint (named by `latest.json`, or the newest intact one when the pointer cannot
 * be used: a warning says so); a warning when it is damaged.
 */
async function readLatestState(runDir: string, warnings: string[]): Promise<InferenceState | undefined> {
  let listing;
  try {
    listing = await listCheckpoints(runDir);
  } catch (err) {
    warnings.push(`The checkpoints cannot be listed (${(err as Error).message}); the run state is not shown.`);
    return undefined;
  }
  const note = pointerNote(listing);
  if (note) warnings.push(note);
  if (listing.latest === null) return undefined;
  const name = `${listing.latest.dir}/${RUN_FILES.state}`;
  const state = await readRunFile(resolve(runDir, name), name, inferenceStateSchema, warnings);
  if (state === undefined) warnings.push(`${listing.latest.dir} has no readable ${RUN_FILES.state}; the run state is not shown.`);
  return state;
}

/** `metrics.jsonl` split into steps and events; lines its schema refuses become one warning. */
function readMetrics(text: string | undefined, warnings: string[]): { metrics: StepLine[]; events: EventLine[] } {
  if (text === undefined) return { metrics: [], events: [] };
  const { steps, events, bad } = parseMetricsText(text);
  if (bad.length > 0) {
    const shown = bad.slice(0, 5).join(', ') + (bad.length > 5 ? `, ... (${bad.length} in all)` : '');
    warnings.push(`${RUN_FILES.metrics}: line(s) ${shown} are not JSON objects with a numeric "step"; they were skipped.`);
  }
  return { metrics: steps, events };
}

async function checkRunDirectory(runDir: string): Promise<void> {
  try {
    if (!(await stat(runDir)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new UserError(
      `readRunData: "${runDir}" is not a readable directory (${(err as Error).message}). Pass the run directory written by \`darl pretrain --out DIR\`.`,
    );
  }
}

/**
 * Reads a run directory written by the darl trainer (see the run-directory format in the package README) into
 * `RunData`. Missing optional files are simply absent; malformed content becomes a warning. Throws a user error when
 * the directory does not exist or holds neither `metrics.jsonl` nor `config.json`.
 */
export async function readRunData(runDir: string): Promise<RunData> {
  await checkRunDirectory(runDir);
  const warnings: string[] = [];
  const paths = runPaths(runDir);
  const config = await readConfig(runDir, warnings);
  const state = await readLatestState(runDir, warnings);
  const metricsText = await readOptionalText(paths.metrics);
  if (metricsText === undefined && config === undefined) {
    throw new UserError(
      `readRunData: "${runDir}" holds neither ${RUN_FILES.metrics} nor ${RUN_FILES.config}, so it is not a darl run directory. Pass the directory given to \`darl pretrain --out\`.`,
    );
  }
  const { metrics, events } = readMetrics(metricsText, warnings);
  const probe = await readRunFile(paths.probe, RUN_FILES.probe, probeFileSchema, warnings);
  const finetune = await readRunFile(paths.finetune, RUN_FILES.finetune, finetuneFileSchema, warnings);
  const generation = await readRunFile(paths.generation, RUN_FILES.generation, generationFileSchema, warnings);
  const reference = await readRunFile(paths.reference, RUN_FILES.reference, referenceFileSchema, warnings);
  const images: RunImage[] = [];
  for (const file of await listImageFiles(runDir, events, warnings)) {
    const img = await readImage(runDir, file, warnings);
    if (img) images.push(img);
  }
  images.sort((a, b) => a.step - b.step || a.kind.localeCompare(b.kind));
  const present = { config, state, probe, finetune, generation, reference };
  return {
    name: basename(resolve(runDir)),
    metrics,
    events,
    images,
    warnings,
    ...Object.fromEntries(Object.entries(present).filter(([, v]) => v !== undefined)),
  };
}
