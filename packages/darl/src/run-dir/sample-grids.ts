/**
 * The PNG grids under a run's `samples/` folder: from training, `step-000200.png` (unconditional samples) and
 * `completions-step-000200.png` (prefix completions); from `darl sample`, `sample-seed0.png` and
 * `sample-seed0-prefix7.png`. Names only: the grids are encoded by `encodeImageGrid` of `@darl/patch-data`.
 *
 * @module
 */
import { RUN_FILES } from './names.js';

/** What a training grid shows: unconditional samples, or completions of data images' first half. */
export type SampleGridKind = 'grid' | 'completion';

/** `step-000200`: the stem of the grids written at a training step. */
function stepStem(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** Path, relative to the run directory, of a training grid: `samples/step-000200.png` or `samples/completions-step-000200.png`. */
export function trainingGridPath(kind: SampleGridKind, step: number): string {
  return `${RUN_FILES.samples}/${kind === 'completion' ? 'completions-' : ''}${stepStem(step)}.png`;
}

const TRAINING_GRID = /^(completions-)?step-(\d+)\.png$/;

/** The kind and step of a training grid's file name (`completions-step-000300.png`); null for any other name. */
export function parseTrainingGridName(name: string): { kind: SampleGridKind; step: number } | null {
  const m = TRAINING_GRID.exec(name);
  return m ? { kind: m[1] ? 'completion' : 'grid', step: Number(m[2]) } : null;
}

/**
 * Name of the grid `darl sample` writes under `samples/`: `sample-seed<seed>.png`, or
 * `sample-seed<seed>-prefix<patches>.png` for prefix completions. Placeholders (`'<seed>'`) give the pattern for help.
 */
export function sampleGridName(seed: number | string, prefix?: number | string): string {
  return `sample-seed${seed}${prefix !== undefined ? `-prefix${prefix}` : ''}.png`;
}
