/**
 * What an objective is to DARL: a head factory, plus (optionally) the zod schema of its own section of the model
 * config (`model.<name>`). The table of built-in objectives is `objectives.ts`.
 *
 * @module
 */
import type { z } from 'zod';
import type { DarlHead } from './head.js';

/** One objective: `head(settings, width, patchDim)` builds its head from its validated config section. */
export interface DarlObjective<S = undefined> {
  /** Schema of the objective's config section `model.<name>` (omit when it has no settings). */
  readonly settings?: z.ZodType<S>;
  /**
   * The head over conditions of width `width` predicting patches of dimension `patchDim`. Throws a `SettingError`
   * (key relative to the section) for settings that do not fit these sizes.
   */
  head(settings: S, width: number, patchDim: number): DarlHead<never>;
}
