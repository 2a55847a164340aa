/**
 * Custom parts of a DARL model: a backbone or a head given to `buildDarl` as an instance or as a factory called with
 * the model's sizes (the information the built-in heads get from the objective table: the objective's settings, the
 * backbone width C, the patch dimension D, …). A factory never has to repeat the arithmetic `D = P·P·channels`.
 *
 * Glossary: H×W×Ch image, P patch size, L = (H/P)(W/P) patches, D = P·P·Ch patch dimension, C backbone width.
 *
 * @module
 */
import type { DarlConfig } from '../config/schema.js';
import type { DarlBackbone } from './backbone.js';
import type { DarlHead } from './head.js';

/** The sizes a backbone factory is called with (everything a model knows before its backbone exists). */
export interface DarlBackboneSizes {
  /** The validated model config. */
  readonly config: DarlConfig;
  /** Image size H×W×Ch (`config.image`). */
  readonly image: {
    /** Height H in pixels. */
    readonly height: number;
    /** Width W in pixels. */
    readonly width: number;
    /** Channels Ch per pixel. */
    readonly channels: number;
  };
  /** Patch size P (`config.patchSize`). */
  readonly patchSize: number;
  /** Patch grid: rows × cols = L. */
  readonly grid: {
    /** Patch rows H/P. */
    readonly rows: number;
    /** Patch columns W/P. */
    readonly cols: number;
  };
  /** L, the number of patches (= sequence length of training inputs). */
  readonly length: number;
  /** D = P·P·Ch, the dimension of one patch vector. */
  readonly patchDim: number;
}

/** The sizes a head factory is called with: the backbone's, plus its width and the objective's settings. */
export interface DarlHeadSizes extends DarlBackboneSizes {
  /** C, the backbone's token width (the conditions the head receives are `[N, C]`). */
  readonly width: number;
  /** The validated section `config[config.objective]` (e.g. `model.diffusion`), `undefined` for objectives without one. */
  readonly settings: unknown;
}

/** Builds a backbone for a model's sizes. */
export type DarlBackboneFactory<P = unknown> = (sizes: DarlBackboneSizes) => DarlBackbone<P>;

/** Builds a head for a model's sizes. */
export type DarlHeadFactory<P = unknown> = (sizes: DarlHeadSizes) => DarlHead<P>;

/** A backbone given to `buildDarl`: an instance, or a factory called with the model's sizes. */
export type DarlBackbonePart<P = unknown> = DarlBackbone<P> | DarlBackboneFactory<P>;

/** A head given to `buildDarl`: an instance, or a factory called with the model's sizes. */
export type DarlHeadPart<P = unknown> = DarlHead<P> | DarlHeadFactory<P>;

/** The part itself: calls a factory with `sizes`, returns an instance as is. */
export function resolvePart<T extends object, S>(part: T | ((sizes: S) => T), sizes: S): T {
  return typeof part === 'function' ? (part as (sizes: S) => T)(sizes) : part;
}
