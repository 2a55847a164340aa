/**
 * The diffusion head: a denoising patch decoder conditioned on the backbone output, trained with a per-patch
 * diffusion loss (γ drawn per patch) and sampled with DDIM/DDPM (@darl/diffusion).
 *
 * @module
 */
import {
  diffusionLoss,
  initDiffusionHead,
  sampleDiffusion,
  type DiffusionHeadConfig,
  type DiffusionHeadParams,
} from '@darl/diffusion';
import type { DarlConfig } from '../config/schema.js';
import type { DarlHead } from './head.js';

/** Builds @darl/diffusion's head config from the DARL config's `diffusion` section. */
export function diffusionHeadConfigFor(diffusion: DarlConfig['diffusion'], width: number, patchDim: number): DiffusionHeadConfig {
  return {
    decoder: {
      kind: diffusion.decoder.kind,
      depth: diffusion.decoder.depth,
      width: diffusion.decoder.width,
      heads: diffusion.decoder.heads,
      gammaInput: diffusion.decoder.gammaInput,
      patchDim,
      conditionDim: width,
    },
    noiseLevels: diffusion.noiseLevels,
    prediction: diffusion.prediction,
    weighting: diffusion.weighting,
    batchMultiplier: diffusion.batchMultiplier,
  };
}

/** Diffusion head over conditions of width `width` predicting patches of dimension `patchDim`. */
export function diffusionHead(diffusion: DarlConfig['diffusion'], width: number, patchDim: number): DarlHead<DiffusionHeadParams> {
  const config = diffusionHeadConfigFor(diffusion, width, patchDim);
  return {
    kind: 'diffusion',
    init: (seed) => initDiffusionHead(config, { seed }),
    loss(params, targets, conditions, rng) {
      const r = diffusionLoss(params, config, targets, conditions, rng);
      return { loss: r.loss, perTarget: r.perTarget, gamma: r.gamma, draws: config.batchMultiplier };
    },
    predict(params, conditions, opts) {
      return sampleDiffusion(params, config, conditions, {
        steps: opts.steps,
        sampler: opts.sampler,
        temperature: opts.temperature,
        rng: opts.rng,
      });
    },
  };
}
