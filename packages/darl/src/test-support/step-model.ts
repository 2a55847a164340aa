/**
 * The small DARL model the trainer tests step on every backend: 8×8×1 images, patch 2 (16 patches), a tiny
 * backbone of width 32 and depth 2, and for diffusion a one-block decoder of width 32 with K = 2 noise draws.
 *
 * @module
 */
import { buildDarl, type DarlModel } from '../model/darl-model.js';

/** Builds the trainer tests' model for `objective`. */
export const stepTestModel = (objective: 'mse' | 'diffusion'): DarlModel =>
  buildDarl({
    image: { height: 8, width: 8, channels: 1 },
    patchSize: 2,
    backbone: { preset: 'tiny', width: 32, depth: 2, heads: 2 },
    objective,
    diffusion: { decoder: { width: 32, depth: 1 }, batchMultiplier: 2 },
  });
