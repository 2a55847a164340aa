// Reads a run directory (config.json, state.json, metrics.jsonl, probe.json, finetune.json, reference.json,
// samples/*.png) into one plain `RunData` object that the renderer turns into HTML. Absent files become absent
// fields; malformed lines and files become entries in `warnings` (shown at the top of the report), so a report
// can always be written for a half-finished or crashed run.
import { listCheckpoints, pointerNote, RUN_FILES } from '../run-dir/index.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PNG } from 'pngjs';
import type { NoiseBin } from '../../train/step-metrics.js';

/** A {@link NoiseBin} as read back from `metrics.jsonl`: `count` may be missing in runs written before it was logged. */
export type LoggedNoiseBin = Omit<NoiseBin, 'count'> & { readonly count?: number };

/** One logged training step of `metrics.jsonl` (a line without an `event` field). */
export interface MetricRow {
  readonly step: number;
  readonly loss?: number;
  readonly lr?: number;
  readonly gradNorm?: number;
  readonly imagesPerSec?: number;
  readonly elapsed?: number;
  readonly lossByNoise?: readonly LoggedNoiseBin[];
  readonly lossByRow?: readonly number[];
}

/** A non-training line of `metrics.jsonl` (`{ "event": "eval", "step": 200, ... }`), kept as written. */
export interface RunEvent {
  readonly event: string;
  readonly step?: number;
  readonly [key: string]: unknown;
}

/** One cell of the linear-probe sweep. Accuracies are fractions in [0, 1]. */
export interface ProbeCell {
  readonly layer: number;
  readonly pooling: string;
  readonly attention: string;
  readonly valAccuracy?: number;
  readonly testAccuracy?: number;
  /** The random-init control on the same cell. */
  readonly control?: { readonly valAccuracy?: number; readonly testAccuracy?: number };
}

/** `probe.json`: the linear-probe sweep, its best cell, the raw-pixel baseline and optional kNN / attentive numbers. */
export interface ProbeReport {
  readonly dataset?: string;
  readonly sweep: readonly ProbeCell[];
  readonly best?: ProbeCell;
  readonly rawPixels?: { readonly valAccuracy?: number; readonly testAccuracy?: number };
  /** The random-init control's best cell (chosen on its own validation accuracy). */
  readonly randomInit?: ProbeCell;
  readonly knn?: { readonly k?: number; readonly testAccuracy?: number; readonly randomInitTestAccuracy?: number; readonly pixelsTestAccuracy?: number };
  readonly attentive?: { readonly layer?: number; readonly testAccuracy?: number; readonly randomInitTestAccuracy?: number };
  readonly seconds?: number;
}

/** One epoch of `finetune.json`. */
export interface FinetuneEpoch {
  readonly epoch: number;
  readonly trainLoss?: number;
  readonly testAccuracy?: number;
}

/** One setting of a fine-tuning comparison in `finetune.json`: test accuracies from pretrained and initial weights. */
export interface FinetuneComparisonRow {
  readonly labelFraction: number;
  readonly trainSize?: number;
  readonly epochs?: number;
  readonly pretrained: number;
  readonly fromScratch?: number;
  readonly seconds?: number;
}

/** `finetune.json`: per-epoch numbers and the final result (any JSON object), and the comparison rows if any. */
export interface FinetuneReport {
  readonly epochs: readonly FinetuneEpoch[];
  readonly final?: Readonly<Record<string, unknown>>;
  readonly comparisons?: readonly FinetuneComparisonRow[];
}

/** One measurement of `generation.json`: the quality classifier's view of generated images beside real ones. */
export interface GenerationQualityRow {
  readonly kind: 'completions' | 'unconditional';
  readonly count: number;
  readonly prefixPatches?: number;
  readonly meanConfidence?: number;
  readonly classSpread?: number;
  readonly labelAgreement?: number;
  readonly frechet?: number;
  readonly realConfidence?: number;
  readonly realAccuracy?: number;
  readonly frechetRealVsReal?: number;
  readonly seconds?: number;
}

/** A reference run to compare against (`reference.json`, shipped by each recipe). */
export interface ReferenceRun {
  /** Label of the reference run in the charts. */
  readonly name: string;
  /** `[step, loss]` pairs in step order. */
  readonly loss: readonly (readonly [number, number])[];
  /** Its evaluation figures, when known. */
  readonly probe?: {
    /** Its linear-probe test accuracy. */
    readonly testAccuracy?: number;
    /** Its raw-pixel baseline's test accuracy. */
    readonly rawPixels?: number;
  };
  /** A note shown with the reference (where it came from). */
  readonly notes?: string;
}

/** A PNG written during training, already inlined as a `data:` URI. */
export interface RunImage {
  /** `grid`: a sample grid (`samples/step-000200.png`); `completion`: prefix completions (`samples/completions-step-000200.png`). */
  readonly kind: 'grid' | 'completion';
  readonly step: number;
  /** Path relative to the run directory, for labels only. */
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly dataUri: string;
}

/** Everything the report shows, read from one run directory. Optional parts are absent when their file is. */
export interface RunData {
  /** Display name: the run directory's base name unless a title was given. */
  readonly name: string;
  /** `config.json` as written: `{ model: DarlConfig, train: TrainConfig }`. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** `state.json` as written: step, versions, backend, startedAt, wallSeconds, ... */
  readonly state?: Readonly<Record<string, unknown>>;
  /** The step rows of `metrics.jsonl`. */
  readonly metrics: readonly MetricRow[];
  /** The event rows of `metrics.jsonl` (starts, resumes, checkpoints, ...). */
  readonly events: readonly RunEvent[];
  /** `probe.json`, when present. */
  readonly probe?: ProbeReport;
  /** `finetune.json`, when present. */
  readonly finetune?: FinetuneReport;
  /** Rows of `generation.json` (completions first). */
  readonly generation?: readonly GenerationQualityRow[];
  /** `reference.json`, when present. */
  readonly reference?: ReferenceRun;
  /** Sample grids and completions in step order. */
  readonly images: readonly RunImage[];
  /** Problems met while reading (malformed lines, unreadable images); shown at the top of the report. */
  readonly warnings: readonly string[];
}

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** Reads a JSON file; `undefined` when it does not exist, a warning when it does not parse or is not an object. */
async function readJsonObject(dir: string, name: string, warnings: string[]): Promise<Json | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
    warnings.push(`${name} is not a JSON object; it was ignored.`);
  } catch (err) {
    warnings.push(`${name} is not valid JSON (${(err as Error).message}); it was ignored.`);
  }
  return undefined;
}

function parseNoiseBins(x: unknown): LoggedNoiseBin[] | undefined {
  if (!Array.isArray(x)) return undefined;
  const bins: LoggedNoiseBin[] = [];
  for (const b of x) {
    if (!isObject(b)) return undefined;
    const lo = num(b.lo);
    const hi = num(b.hi);
    const loss = num(b.loss);
    const count = num(b.count);
    // An empty bin has no mean loss; keep the bin so the bars stay aligned with the other steps.
    if (lo === undefined || hi === undefined) return undefined;
    bins.push({ lo, hi, loss: loss ?? Number.NaN, ...(count === undefined ? {} : { count }) });
  }
  return bins;
}

function parseMetricRow(o: Json): MetricRow | undefined {
  const step = num(o.step);
  if (step === undefined) return undefined;
  const row: { -readonly [K in keyof MetricRow]: MetricRow[K] } = { step };
  for (const key of ['loss', 'lr', 'gradNorm', 'imagesPerSec', 'elapsed'] as const) {
    const v = num(o[key]);
    if (v !== undefined) row[key] = v;
  }
  const byNoise = parseNoiseBins(o.lossByNoise);
  if (byNoise) row.lossByNoise = byNoise;
  if (Array.isArray(o.lossByRow) && o.lossByRow.every((v) => typeof v === 'number' || v === null)) {
    row.lossByRow = o.lossByRow.map((v) => (typeof v === 'number' ? v : Number.NaN));
  }
  return row;
}

/** Parses `metrics.jsonl` into training rows and events; malformed lines become warnings. */
function parseMetrics(text: string, warnings: string[]): { metrics: MetricRow[]; events: RunEvent[] } {
  const metrics: MetricRow[] = [];
  const events: RunEvent[] = [];
  const bad: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      bad.push(i + 1);
      return;
    }
    if (!isObject(value)) {
      bad.push(i + 1);
      return;
    }
    if (typeof value.event === 'string') {
      events.push(value as RunEvent);
      return;
    }
    const row = parseMetricRow(value);
    if (row) metrics.push(row);
    else bad.push(i + 1);
  });
  if (bad.length > 0) {
    const shown = bad.slice(0, 5).join(', ') + (bad.length > 5 ? `, ... (${bad.length} in all)` : '');
    warnings.push(`metrics.jsonl: line(s) ${shown} are not JSON objects with a numeric "step"; they were skipped.`);
  }
  metrics.sort((a, b) => a.step - b.step);
  return { metrics, events };
}

function parseProbeCell(x: unknown): ProbeCell | undefined {
  if (!isObject(x)) return undefined;
  const layer = num(x.layer);
  const pooling = str(x.pooling);
  const attention = str(x.attention);
  if (layer === undefined || pooling === undefined || attention === undefined) return undefined;
  const valAccuracy = num(x.valAccuracy);
  const testAccuracy = num(x.testAccuracy);
  const control = numericFields(x.control);
  return {
    layer,
    pooling,
    attention,
    ...(valAccuracy === undefined ? {} : { valAccuracy }),
    ...(testAccuracy === undefined ? {} : { testAccuracy }),
    ...(control === undefined ? {} : { control }),
  };
}

/** Keeps only the finite numeric fields of an object (`{ valAccuracy: 0.9, k: 20 }`). */
function numericFields(x: unknown): Record<string, number> | undefined {
  if (!isObject(x)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(x)) if (num(v) !== undefined) out[k] = v as number;
  return out;
}

function parseProbe(o: Json, warnings: string[]): ProbeReport {
  const cells = Array.isArray(o.sweep) ? o.sweep.map(parseProbeCell) : [];
  const sweep = cells.filter((c): c is ProbeCell => c !== undefined);
  if (cells.length !== sweep.length) {
    warnings.push(`probe.json: ${cells.length - sweep.length} sweep entr(y/ies) lack layer, pooling or attention; they were skipped.`);
  }
  const best = parseProbeCell(o.best);
  const randomInit = parseProbeCell(o.randomInit);
  const rawPixels = numericFields(o.rawPixels);
  const knn = numericFields(o.knn);
  const attentive = numericFields(o.attentive);
  const dataset = str(o.dataset);
  const seconds = num(o.seconds);
  return {
    sweep,
    ...(dataset === undefined ? {} : { dataset }),
    ...(best === undefined ? {} : { best }),
    ...(rawPixels === undefined ? {} : { rawPixels }),
    ...(randomInit === undefined ? {} : { randomInit }),
    ...(knn === undefined ? {} : { knn }),
    ...(attentive === undefined ? {} : { attentive }),
    ...(seconds === undefined ? {} : { seconds }),
  };
}

function parseFinetune(o: Json): FinetuneReport {
  const epochs: FinetuneEpoch[] = [];
  if (Array.isArray(o.epochs)) {
    for (const e of o.epochs) {
      if (!isObject(e) || num(e.epoch) === undefined) continue;
      const trainLoss = num(e.trainLoss);
      const testAccuracy = num(e.testAccuracy);
      epochs.push({
        epoch: e.epoch as number,
        ...(trainLoss === undefined ? {} : { trainLoss }),
        ...(testAccuracy === undefined ? {} : { testAccuracy }),
      });
    }
  }
  const comparisons: FinetuneComparisonRow[] = [];
  if (Array.isArray(o.comparisons)) {
    for (const c of o.comparisons) {
      if (!isObject(c) || num(c.labelFraction) === undefined || !isObject(c.pretrained) || num(c.pretrained.testAccuracy) === undefined) continue;
      const scratch = isObject(c.fromScratch) ? num(c.fromScratch.testAccuracy) : undefined;
      const seconds = (num(c.pretrained.seconds) ?? 0) + (isObject(c.fromScratch) ? (num(c.fromScratch.seconds) ?? 0) : 0);
      const epochs = isObject(c.config) ? num(c.config.epochs) : undefined;
      const trainSize = num(c.trainSize);
      comparisons.push({
        labelFraction: c.labelFraction as number,
        pretrained: c.pretrained.testAccuracy as number,
        ...(trainSize === undefined ? {} : { trainSize }),
        ...(epochs === undefined ? {} : { epochs }),
        ...(scratch === undefined ? {} : { fromScratch: scratch }),
        ...(seconds > 0 ? { seconds } : {}),
      });
    }
  }
  return { epochs, ...(isObject(o.final) ? { final: o.final } : {}), ...(comparisons.length ? { comparisons } : {}) };
}

function parseGeneration(o: Json): GenerationQualityRow[] {
  const rows: GenerationQualityRow[] = [];
  for (const kind of ['completions', 'unconditional'] as const) {
    const g = o[kind];
    if (!isObject(g)) continue;
    const count = num(g.count);
    if (count === undefined) continue;
    const held = isObject(g.heldOut) ? g.heldOut : {};
    const fields = {
      prefixPatches: num(g.prefixPatches),
      meanConfidence: num(g.meanConfidence),
      classSpread: num(g.classSpread),
      labelAgreement: num(g.labelAgreement),
      frechet: num(g.frechet),
      realConfidence: num(held.meanConfidence),
      realAccuracy: num(held.accuracy),
      frechetRealVsReal: num(held.frechetRealVsReal),
      seconds: num(g.seconds),
    };
    rows.push({ kind, count, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) });
  }
  return rows;
}

/**
 * Checks and normalises a reference run (from `reference.json` or from code). Throws when it has no name or
 * its loss is not a list of `[step, loss]` pairs.
 */
export function parseReferenceRun(o: unknown, where = 'reference'): ReferenceRun {
  const fail = (what: string): never => {
    throw new Error(
      `${where}: ${what}. A reference run is { "name": string, "loss": [[step, loss], ...], "probe"?: { "testAccuracy", "rawPixels" }, "notes"?: string }; fix the file or leave it out.`,
    );
  };
  if (!isObject(o)) return fail('is not a JSON object');
  const name = str(o.name) ?? fail('has no string "name"');
  if (!Array.isArray(o.loss)) return fail('"loss" is not an array of [step, loss] pairs');
  const loss = o.loss.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || num(p[0]) === undefined || num(p[1]) === undefined) {
      return fail(`"loss"[${i}] is not a pair of finite numbers [step, loss]`);
    }
    return [p[0] as number, p[1] as number] as const;
  });
  loss.sort((a, b) => a[0] - b[0]);
  const probe = numericFields(o.probe);
  const notes = str(o.notes);
  return { name, loss, ...(probe === undefined ? {} : { probe }), ...(notes === undefined ? {} : { notes }) };
}

const IMAGE_NAME = /^(completions-)?step-(\d+)\.png$/;

/** Reads one PNG, checks that it decodes, and inlines it; a warning instead when it does not. */
async function readImage(dir: string, file: string, warnings: string[]): Promise<RunImage | undefined> {
  const m = IMAGE_NAME.exec(basename(file));
  if (!m) return undefined;
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, file));
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
  return {
    kind: m[1] ? 'completion' : 'grid',
    step: Number(m[2]),
    file,
    width: png.width,
    height: png.height,
    dataUri: `data:image/png;base64,${bytes.toString('base64')}`,
  };
}

/** Image files of the run: everything matching the naming scheme in `samples/`, plus files named by sample events. */
async function listImageFiles(dir: string, events: readonly RunEvent[], warnings: string[]): Promise<string[]> {
  const files = new Set<string>();
  try {
    for (const name of await readdir(join(dir, RUN_FILES.samples))) if (IMAGE_NAME.test(name)) files.add(`${RUN_FILES.samples}/${name}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const root = resolve(dir);
  for (const e of events) {
    const file = e.event === 'sample' ? str(e.file) : undefined;
    if (file === undefined) continue;
    const rel = relative(root, resolve(root, file));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      warnings.push(`metrics.jsonl: sample event at step ${String(e.step)} names "${file}", outside the run directory; it is not shown.`);
    } else if (IMAGE_NAME.test(basename(rel))) {
      files.add(rel.split(sep).join('/'));
    }
  }
  return [...files];
}

/**
 * `state.json` of the committed checkpoint (named by `latest.json`, or the newest intact one when the pointer cannot
 * be used: a warning says so), as written; a warning when it is damaged.
 */
async function readLatestState(runDir: string, warnings: string[]): Promise<Json | undefined> {
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
  const state = await readJsonObject(runDir, `${listing.latest.dir}/${RUN_FILES.state}`, warnings);
  if (state === undefined) warnings.push(`${listing.latest.dir} has no readable ${RUN_FILES.state}; the run state is not shown.`);
  return state;
}

/**
 * Reads a run directory written by the darl trainer (see the run-directory format in the package README) into
 * `RunData`. Missing optional files are simply absent; malformed content becomes a warning. Throws when the
 * directory does not exist or holds neither `metrics.jsonl` nor `config.json`.
 */
export async function readRunData(runDir: string): Promise<RunData> {
  try {
    if (!(await stat(runDir)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new Error(
      `readRunData: "${runDir}" is not a readable directory (${(err as Error).message}). Pass the run directory written by \`darl pretrain --out DIR\`.`,
    );
  }
  const warnings: string[] = [];
  const config = await readJsonObject(runDir, RUN_FILES.config, warnings);
  const state = await readLatestState(runDir, warnings);
  let metricsText: string | undefined;
  try {
    metricsText = await readFile(join(runDir, RUN_FILES.metrics), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (metricsText === undefined && config === undefined) {
    throw new Error(
      `readRunData: "${runDir}" holds neither metrics.jsonl nor config.json, so it is not a darl run directory. Pass the directory given to \`darl pretrain --out\`.`,
    );
  }
  const { metrics, events } = metricsText === undefined ? { metrics: [], events: [] } : parseMetrics(metricsText, warnings);
  const probeJson = await readJsonObject(runDir, RUN_FILES.probe, warnings);
  const finetuneJson = await readJsonObject(runDir, RUN_FILES.finetune, warnings);
  const generationJson = await readJsonObject(runDir, RUN_FILES.generation, warnings);
  const referenceJson = await readJsonObject(runDir, RUN_FILES.reference, warnings);
  let reference: ReferenceRun | undefined;
  if (referenceJson !== undefined) {
    try {
      reference = parseReferenceRun(referenceJson, 'reference.json');
    } catch (err) {
      warnings.push((err as Error).message);
    }
  }
  const images: RunImage[] = [];
  for (const file of await listImageFiles(runDir, events, warnings)) {
    const img = await readImage(runDir, file, warnings);
    if (img) images.push(img);
  }
  images.sort((a, b) => a.step - b.step || a.kind.localeCompare(b.kind));
  return {
    name: basename(resolve(runDir)),
    metrics,
    events,
    images,
    warnings,
    ...(config === undefined ? {} : { config }),
    ...(state === undefined ? {} : { state }),
    ...(probeJson === undefined ? {} : { probe: parseProbe(probeJson, warnings) }),
    ...(finetuneJson === undefined ? {} : { finetune: parseFinetune(finetuneJson) }),
    ...(generationJson === undefined ? {} : { generation: parseGeneration(generationJson) }),
    ...(reference === undefined ? {} : { reference }),
  };
}
