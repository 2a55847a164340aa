/**
 * `darl`: the DARL model — configuration, composition from a backbone and a head, training loss, features,
 * generation — and its trainer. Browser-safe; file I/O and the CLI live in `darl/node`.
 *
 * @module
 */
export {
  darlConfigSchema,
  trainConfigSchema,
  runConfigSchema,
  type DarlConfig,
  type DarlConfigInput,
  type TrainConfig,
  type TrainConfigInput,
  type RunConfig,
  type RunConfigInput,
  type PatchOrderConfig,
} from './config/schema.js';
export { RUN_PRESETS, RUN_PRESET_DESCRIPTIONS, type RunPresetName } from './config/presets.js';
export { ConfigError, parseConfig, applyOverrides, explainIssues } from './config/validate.js';
export { backboneConfigFor, type BackboneSource } from './config/backbone-config.js';
export {
  buildDarl,
  initDarlParams,
  darlLoss,
  toPatchSequence,
  inputTokens,
  patchOrderFor,
  paramTree,
  type DarlModel,
  type DarlParams,
  type DarlLoss,
  type BuildDarlOptions,
} from './model/darl-model.js';
export { transformerBackbone, type DarlBackbone, type BackboneApplyOptions } from './model/backbone.js';
export type {
  DarlBackboneSizes,
  DarlHeadSizes,
  DarlBackboneFactory,
  DarlHeadFactory,
  DarlBackbonePart,
  DarlHeadPart,
} from './model/parts.js';
export type { DarlHead, HeadLoss, HeadSampleOptions } from './model/head.js';
export { mseHead, mseObjective, type MseHeadParams } from './model/mse-head.js';
export { diffusionHead, diffusionHeadConfigFor, diffusionObjective, diffusionSettingsSchema, type DiffusionSettings } from './model/diffusion-head.js';
export { OBJECTIVES, OBJECTIVE_NAMES, type ObjectiveName } from './model/objectives.js';
export type { DarlObjective } from './model/objective.js';
export { pooledFeatures, extractTokenFeatures, type TokenFeatureOptions } from './model/features.js';
export { darlFeatureExtractor } from './model/feature-extractor.js';
export { darlFineTuneModel } from './model/fine-tune-model.js';
export { generate, type GenerateOptions } from './model/generate.js';
export {
  fromPretrained,
  fetchPretrained,
  PretrainedError,
  type Pretrained,
  type PretrainedSource,
  type PretrainedOptions,
  type FetchPretrainedOptions,
} from './model/from-pretrained.js';
export { assignParams, WeightsMismatchError } from './model/assign-params.js';
export { encodeRunDirectory, type RunDirectoryInput } from './run-dir/encode-run-directory.js';
export { encodeTrainerRun, type TrainerRunOptions } from './run-dir/trainer-run-directory.js';
export { decodeRunDirectory, type DecodedRunDirectory } from './run-dir/decode-run-directory.js';
export { metricsStepSchema, metricsEventSchema, parseMetricsText, type MetricsLine, type MetricsLineInput } from './run-dir/metrics-file.js';
export { probeFileSchema, type ProbeFile } from './run-dir/probe-file.js';
export { finetuneFileSchema, type FinetuneFile } from './run-dir/finetune-file.js';
export { generationFileSchema, type GenerationFile } from './run-dir/generation-file.js';
export { referenceFileSchema, type ReferenceRun } from './run-dir/reference-file.js';
export { DarlTrainer, NonFiniteLossError, type StepResult } from './train/trainer.js';
export { lossByNoiseLevel, lossByPatchRow, type NoiseBin } from './train/step-metrics.js';
