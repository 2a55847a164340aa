/**
 * The run directory's file names and layout (format `darl-run/2`). Every reader and writer of a run directory takes
 * its names from here — Node's (`node/run-dir/`) and the in-memory encoder a browser uses
 * ({@link encodeRunDirectory}); the README's "Run directory" section documents the same layout.
 *
 * ```
 * RUN/
 *   config.json                 the resolved run config (written once at the start)
 *   metrics.jsonl               one JSON object per line: logged steps and events
 *   metrics.rewind.jsonl        while a --from-step rewind has not committed: its new lines (merged at the commit)
 *   latest.json                 pointer to the committed checkpoint: { format, step, dir } (a cache: when it
 *                               is missing or damaged, the newest intact checkpoint directory is the committed one)
 *   run.lock                    { pid, host, startedAt } while a process writes the run
 *   checkpoints/
 *     step-00000400/            one committed checkpoint (the last `keepCheckpoints` are kept)
 *       state.json              step, data cursor, random state, …
 *       model.safetensors       parameters, and EMA weights under "ema/…"
 *       optimizer.safetensors   AdamW moments "m/…", "v/…"
 *       digests.json            SHA-256 of each file above, checked by every load (absent in older runs)
 *     .tmp-step-00000500-…/     a checkpoint being written (removed when found stale)
 *   samples/                    PNG grids (names in sample-grids.ts): step-000200.png and
 *                               completions-step-000200.png from training, sample-seed0.png,
 *                               sample-seed0-prefix7.png, … from `darl sample`
 *   report.html                 the run's report (rewritten by each command that adds results)
 *   probe.json, finetune.json, generation.json   results of later commands (schemas in probe-file.ts, …)
 *   reference.json              a reference run to compare against (reference-file.ts)
 * ```
 *
 * Each file has one module here with its schema and its one type: `state-file.ts`, `latest-file.ts`,
 * `digests-file.ts`, `metrics-file.ts`, `probe-file.ts`, `finetune-file.ts`, `generation-file.ts`,
 * `reference-file.ts`, `sample-grids.ts`; `config-file.ts` writes and reads `config.json`, whose
 * schema is the run config's own (`config/schema.ts`); `run.lock`'s schema is Node's alone
 * (`node/run-dir/lock-file.ts`). `parse-run-file.ts` parses any of them for every reader, and `node/run-dir/` is
 * the store that reads and writes them on disk.
 *
 * @module
 */

/** Format tag of `latest.json` and `state.json`. */
export const RUN_FORMAT = 'darl-run/2';

/** File names in a run directory. */
export const RUN_FILES = {
  /** The run config (`{ model, train }`), written once at the start. */
  config: 'config.json',
  /** One JSON line per logged step and event. */
  metrics: 'metrics.jsonl',
  /** Side file of a resume from an earlier checkpoint: its new metrics lines, merged into metrics.jsonl once it commits a checkpoint. */
  metricsRewind: 'metrics.rewind.jsonl',
  /** Names the committed checkpoint. */
  latest: 'latest.json',
  /** Held by the process writing the run. */
  lock: 'run.lock',
  /** Folder of the checkpoint directories (`step-00000400`). */
  checkpoints: 'checkpoints',
  /** A checkpoint's progress: step, data cursor, random state, versions, backend. */
  state: 'state.json',
  /** A checkpoint's model weights (and EMA weights under `ema/`). */
  model: 'model.safetensors',
  /** A checkpoint's AdamW moments. */
  optimizer: 'optimizer.safetensors',
  /** A checkpoint's SHA-256 digest of each of its files. */
  digests: 'digests.json',
  /** Linear-probe results (`darl probe`). */
  probe: 'probe.json',
  /** Fine-tuning results (`darl finetune`). */
  finetune: 'finetune.json',
  /** Generation-quality results (`darl generation-quality`). */
  generation: 'generation.json',
  /** An optional reference run the report draws next to this one. */
  reference: 'reference.json',
  /** Folder of the sample grids and completions written during training. */
  samples: 'samples',
  /** The self-contained HTML report. */
  report: 'report.html',
} as const;

/** Prefix of a checkpoint directory being written. */
export const TEMP_PREFIX = '.tmp-';

/** `checkpoints/step-00000400` or, for a second commit of the same step, `checkpoints/step-00000400-2`. */
export function checkpointDirName(step: number, revision = 1): string {
  return `step-${String(step).padStart(8, '0')}${revision > 1 ? `-${revision}` : ''}`;
}

const CHECKPOINT_DIR = /^step-(\d{8,})(?:-(\d+))?$/;

/** Parses a checkpoint directory name into its step and revision; null for anything else. */
export function parseCheckpointDirName(name: string): { step: number; revision: number } | null {
  const m = CHECKPOINT_DIR.exec(name);
  return m ? { step: Number(m[1]), revision: m[2] ? Number(m[2]) : 1 } : null;
}
