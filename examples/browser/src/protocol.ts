/**
 * Messages between the page (`main.ts`) and the training worker (`worker.ts`). Images travel as float32 arrays in
 * the model's pixel scale, [N·H·W·C].
 *
 * @module
 */
import type { BackendRequest } from './backend-choice.js';
import type { RunChoice } from './run-setup.js';

/** Page → worker. */
export type ToWorker =
  /** First message: set up the backend and the data. */
  | { readonly type: 'init'; readonly backend: BackendRequest; readonly threads?: number }
  | { readonly type: 'start'; readonly choice: RunChoice }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  /** Complete `image` (uint8 [H·W], 28×28 grayscale) after its top half (`ModelInfo.prefixPatches`), one patch at a time. */
  | { readonly type: 'complete'; readonly image: Uint8Array; readonly seed: number }
  /** Load a run: its config and weights, or a run directory's files, or a folder URL. */
  | { readonly type: 'load'; readonly source: string; readonly files: Readonly<Record<string, Uint8Array>> }
  | { readonly type: 'load-url'; readonly url: string }
  | { readonly type: 'save' }
  /** A test digit for the drawing pad. */
  | { readonly type: 'digit'; readonly index: number };

/** What the page draws a model's images with. */
export interface ModelInfo {
  readonly objective: string;
  readonly patchSize: number;
  readonly height: number;
  readonly width: number;
  /** Grid position (row, col) of each sequence index. */
  readonly rows: readonly number[];
  readonly cols: readonly number[];
  /** [min, max] of the pixel scale, for display. */
  readonly range: readonly [number, number];
  /** Patches given to completions: the top half of the patch rows. */
  readonly prefixPatches: number;
  readonly parameters: number;
  /** Where it came from: 'trained here' or the loaded source. */
  readonly source: string;
  readonly step: number;
}

/** Worker → page. */
export type FromWorker =
  | { readonly type: 'ready'; readonly backend: string; readonly detail: string }
  | { readonly type: 'model'; readonly info: ModelInfo }
  | { readonly type: 'step'; readonly step: number; readonly loss: number; readonly ms: number; readonly imagesPerSec: number }
  /** Unconditional samples and completions of fixed test digits (top half given), n images each. */
  | { readonly type: 'samples'; readonly step: number; readonly n: number; readonly samples: Float32Array; readonly completions: Float32Array }
  | { readonly type: 'patch'; readonly index: number; readonly image: Float32Array; readonly denoising?: readonly Float32Array[]; readonly done: boolean }
  | { readonly type: 'saved'; readonly name: string; readonly zip: Uint8Array; readonly step: number; readonly parameterSum: number }
  | { readonly type: 'digit'; readonly index: number; readonly label: number; readonly pixels: Uint8Array }
  | { readonly type: 'error'; readonly message: string };
