/**
 * The diffusion head: a denoising patch decoder conditioned on the backbone output, trained with a per-patch
 * diffusion loss (γ drawn per patch) and sampled with DDIM/DDPM (@darl/diffusion). Its config section
 * `model.diffusion` is derived from `@darl/diffusion`'s option lists and defaults.
 *
 * @module
 */
import { z } from 'zod';
import { checkOneOf } from '@darl/tensor-backend';
import {
  DECODER_KINDS,
  DEFAULT_SAMPLING,
  DIFFUSION_HEAD_DEFAULTS,
  LOSS_WEIGHTINGS,
  PATCH_DECODER_DEFAULTS,
  PREDICTIONS,
  SAMPLERS,
  SCHEDULE_NAMES,
  diffusionHeadConfig,
  diffusionLoss,
  initDiffusionHead,
  sampleDiffusion,
  type DiffusionHeadConfig,
  type DiffusionHeadParams,
} from '@darl/diffusion';
import type { DarlHead } from './head.js';
import type { DarlObjective } from './objective.js';

const positiveInt = z.number().int().positive();
const scheduleOptions = z.record(z.string(), z.number()).optional();

/** Noise-level distribution for the diffusion objective: γ per patch (`@darl/diffusion`'s `NoiseLevelSpec`). */
export const noiseLevelSchema = z.discriminatedUnion('kind', [
  /** γ ~ Beta(a, b) directly (the paper's tailored family). */
  z.strictObject({
    kind: z.literal('beta').describe('γ ~ Beta(a, b)'),
    a: z.number().positive().describe('First shape parameter α of the Beta distribution'),
    b: z.number().positive().describe('Second shape parameter β of the Beta distribution'),
  }),
  /** γ = schedule(t), t ~ U(0, 1), optionally with a log-SNR shift; each schedule's options under its name. */
  z.strictObject({
    kind: z.literal('schedule').describe('γ = schedule(t), t ~ U(0, 1)'),
    schedule: z.enum(SCHEDULE_NAMES).describe("@darl/diffusion's noise schedule that maps t to γ"),
    shift: z.number().optional().describe('Log-SNR shift added to every draw (negative: noisier)'),
    cosineOffset: scheduleOptions.describe('Options of the cosine-offset schedule'),
    linear: scheduleOptions.describe('Options of the linear schedule'),
    sigmoid: scheduleOptions.describe('Options of the sigmoid schedule'),
  }),
]);

/** `model.diffusion`: the diffusion head's settings, with `@darl/diffusion`'s defaults. */
export const diffusionSettingsSchema = z.strictObject({
  decoder: z
    .strictObject({
      kind: z.enum(DECODER_KINDS).default(PATCH_DECODER_DEFAULTS.kind).describe('Denoising patch decoder: MLP with adaptive LayerNorm, or Transformer blocks'),
      depth: positiveInt.default(PATCH_DECODER_DEFAULTS.depth).describe('Decoder blocks'),
      width: positiveInt.default(PATCH_DECODER_DEFAULTS.width).describe('Decoder width'),
      heads: positiveInt.default(PATCH_DECODER_DEFAULTS.heads).describe('Attention heads of the transformer decoder'),
      gammaInput: z.boolean().default(PATCH_DECODER_DEFAULTS.gammaInput).describe('Feed the noise level γ to the decoder'),
    })
    .prefault({})
    .describe('The denoising patch decoder conditioned on each backbone output'),
  noiseLevels: noiseLevelSchema
    .default(DIFFUSION_HEAD_DEFAULTS.noiseLevels)
    .describe('Training noise levels, γ per patch: { kind: beta, a, b } draws γ ~ Beta(a, b); { kind: schedule, schedule, shift? } draws γ = schedule(t), t ~ U(0, 1)'),
  prediction: z.enum(PREDICTIONS).default(DIFFUSION_HEAD_DEFAULTS.prediction).describe('What the decoder predicts: the clean patch x0, the noise ε, or v'),
  weighting: z.enum(LOSS_WEIGHTINGS).default(DIFFUSION_HEAD_DEFAULTS.weighting).describe('Per-draw loss weighting, defined in x0 space'),
  snrClip: z.number().positive().optional().describe('The clip k of min-snr (default DEFAULT_SNR_CLIP of @darl/diffusion)'),
  batchMultiplier: positiveInt
    .max(64)
    .default(DIFFUSION_HEAD_DEFAULTS.batchMultiplier)
    .describe("K noise draws per patch sharing one backbone pass (MAR's diffusion batch multiplier)"),
  sampleSteps: positiveInt.max(1000).default(DEFAULT_SAMPLING.steps).describe('Sampling steps when generate is not given steps'),
  sampler: z.enum(SAMPLERS).default(DEFAULT_SAMPLING.sampler).describe('Sampler when generate is not given one'),
});

/** The validated `model.diffusion` section. */
export type DiffusionSettings = z.output<typeof diffusionSettingsSchema>;

/** @darl/diffusion's validated head config for the `model.diffusion` section (throws a SettingError naming the key). */
export function diffusionHeadConfigFor(diffusion: DiffusionSettings, width: number, patchDim: number): DiffusionHeadConfig {
  const { decoder, sampleSteps: _steps, sampler: _sampler, ...head } = diffusion;
  return diffusionHeadConfig({ ...head, decoder: { ...decoder, patchDim, conditionDim: width } } as Parameters<typeof diffusionHeadConfig>[0]);
}

/** Diffusion head over conditions of width `width` predicting patches of dimension `patchDim`. */
export function diffusionHead(diffusion: DiffusionSettings, width: number, patchDim: number): DarlHead<DiffusionHeadParams> {
  const config = diffusionHeadConfigFor(diffusion, width, patchDim);
  return {
    kind: 'diffusion',
    init: (seed) => initDiffusionHead(config, { seed }),
    loss(params, targets, conditions, rng) {
      const r = diffusionLoss(params, config, targets, conditions, rng);
      return { loss: r.loss, perTarget: r.perTarget, gamma: r.gamma, draws: config.batchMultiplier };
    },
    predict(params, conditions, opts) {
      const sampler = opts.sampler ?? diffusion.sampler;
      checkOneOf('diffusion head', 'sampler', sampler, SAMPLERS);
      return sampleDiffusion(params, config, conditions, {
        steps: opts.steps ?? diffusion.sampleSteps,
        sampler,
        temperature: opts.temperature,
        rng: opts.rng,
      });
    },
  };
}

/** The `diffusion` objective: settings `model.diffusion`. */
export const diffusionObjective = {
  settings: diffusionSettingsSchema,
  head: (settings: DiffusionSettings, width: number, patchDim: number) => diffusionHead(settings, width, patchDim) as DarlHead<never>,
} satisfies DarlObjective<DiffusionSettings>;
