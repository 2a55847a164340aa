/**
 * `@darl/diffusion`: noise schedules and noise-level samplers (pure float64), forward noising and the x0 / ε / v
 * parameterisations, the denoising patch decoder (MLP with adaLN, or Transformer), the diffusion loss head, and
 * DDPM / DDIM samplers built from public per-step pieces. Importing it changes no global state.
 *
 * Shape letters: `N` patches (rows), `D` patch vector length (P·P·C), `C` condition width, `W` decoder width,
 * `K` noise draws per target.
 *
 * @module
 */
export {
  GAMMA_MIN,
  GAMMA_MAX,
  LOG_SNR_LIMIT,
  clampGamma,
  clampLogSnr,
  logSnrFromGamma,
  snrFromGamma,
  sigmoid,
  type NoiseSchedule,
} from './noise-schedule.js';
export { cosineSchedule, cosineOffsetSchedule, type CosineOffsetOptions } from './cosine-schedule.js';
export { linearBetaSchedule, linearBetaAlphaBar, type LinearBetaOptions } from './linear-beta-schedule.js';
export { sigmoidSchedule, type SigmoidScheduleOptions } from './sigmoid-schedule.js';
export { shiftSchedule } from './shift-schedule.js';
export {
  sampleNoiseLevels,
  scheduleFromSpec,
  SCHEDULE_NAMES,
  NOISE_LEVEL_KINDS,
  type NoiseLevelSpec,
  type ScheduleName,
} from './noise-level.js';
export { validateNoiseLevelSpec } from './validate-noise-level-spec.js';
export type { GammaValues } from './gamma-values.js';
export {
  addNoise,
  predictionTarget,
  convertPrediction,
  lossWeights,
  PREDICTIONS,
  LOSS_WEIGHTINGS,
  DEFAULT_SNR_CLIP,
  type Prediction,
  type LossWeighting,
} from './parameterisation.js';
export { GAMMA_FEATURES, gammaFeatures, gammaToPseudoTime, type GammaEmbeddingParams } from './gamma-embedding.js';
export {
  PATCH_DECODER_DEFAULTS,
  PATCH_DECODER_KEYS,
  DECODER_KINDS,
  patchDecoderConfig,
  validatePatchDecoderConfig,
  type PatchDecoderConfig,
} from './patch-decoder-config.js';
export { initPatchDecoder, applyPatchDecoder, type PatchDecoderParams, type SeedOption } from './patch-decoder.js';
export type { MlpAdaLnDecoderParams, MlpAdaLnBlockParams } from './mlp-adaln-decoder.js';
export type { TransformerDecoderParams } from './transformer-decoder.js';
export {
  DIFFUSION_HEAD_DEFAULTS,
  DIFFUSION_HEAD_KEYS,
  diffusionHeadConfig,
  validateDiffusionHeadConfig,
  type DiffusionHeadConfig,
  type DiffusionHeadSettings,
} from './diffusion-head-config.js';
export { initDiffusionHead, diffusionLoss, type DiffusionHeadParams, type DiffusionLossResult } from './diffusion-loss.js';
export { samplingGammas, samplingSchedule } from './sampling-gammas.js';
export {
  ddimStep,
  ddpmStep,
  ddimCoefficients,
  ddpmCoefficients,
  type ReverseStepOptions,
  type DdimStepOptions,
} from './reverse-steps.js';
export { predictX0, sampleDiffusion, SAMPLERS, DEFAULT_SAMPLING, type Sampler, type SampleDiffusionOptions } from './sample-diffusion.js';
