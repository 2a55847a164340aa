/**
 * `@darl/eval`: evaluation protocols for learned representations over a generic feature-extractor interface —
 * linear probe (with the layer × pooling × attention sweep and the raw-pixel baseline), attentive probe, kNN,
 * fine-tuning with layer-wise LR decay, and classification metrics.
 *
 * @module
 */
export { READOUT_ATTENTIONS, type FeatureExtractor, type ReadoutAttention } from './feature-extractor.js';
export { poolTokens, pooledDim, POOLINGS, type Pooling } from './pooling.js';
export { classLabels, imageBatch } from './dataset-reads.js';
export { featureMatrix, selectRows, selectLabels, type FeatureMatrix } from './feature-matrix.js';
export {
  extractFeatures,
  type CachedFeatures,
  type FeatureCache,
  type ExtractFeaturesOptions,
} from './extract-features.js';
export { featureStatistics, standardizeFeatures, STANDARDIZE_EPS, type FeatureStatistics } from './standardize.js';
export { holdoutSplit, type HoldoutSplit } from './holdout-split.js';
export {
  trainSoftmaxClassifiers,
  DEFAULT_SOFTMAX_TRAINING,
  type SoftmaxClassifier,
  type SoftmaxTrainingConfig,
} from './softmax-classifier.js';
export { classifierScores, type LinearClassifier } from './linear-classifier.js';
export { trainRidgeClassifiers, type RidgeClassifier } from './ridge-classifier.js';
export { trainLbfgsSoftmaxClassifiers, DEFAULT_LBFGS, type LbfgsConfig, type LbfgsSoftmaxClassifier } from './lbfgs-softmax-classifier.js';
export {
  linearProbe,
  validateWeightDecays,
  DEFAULT_LINEAR_PROBE,
  LINEAR_PROBE_SOLVERS,
  type LinearProbeSolver,
  type LinearProbeConfig,
  type LinearProbeResult,
  type LabelledFeatures,
} from './linear-probe.js';
export {
  probeSweep,
  probeCachedFeatures,
  pixelFeatures,
  formatProbeSweep,
  type ProbeSweepOptions,
  type ProbeSweepResult,
  type ProbeSweepCell,
  type PixelBaseline,
  type ControlBest,
} from './probe-sweep.js';
export { knnScores, knnEvaluate, DEFAULT_KNN, type KnnConfig } from './knn.js';
export { classificationMetrics, top1Accuracy, type ClassificationMetrics } from './metrics.js';
export {
  attentiveProbe,
  applyAttentiveProbe,
  initAttentiveProbe,
  DEFAULT_ATTENTIVE_PROBE,
  type AttentiveProbeConfig,
  type AttentiveProbeParams,
  type AttentiveProbeResult,
  type TokenFeatures,
} from './attentive-probe.js';
export {
  fineTune,
  layerwiseLrScale,
  initClassificationHead,
  applyClassificationHead,
  DEFAULT_FINE_TUNE,
  checkFineTuneConfig,
  type FineTuneModel,
  type FineTuneConfig,
  type FineTuneEpoch,
  type FineTuneResult,
  type ClassificationHead,
} from './fine-tune.js';
export {
  initPatchEmbedding,
  embedPatches,
  transformerFeatureExtractor,
  transformerFineTuneModel,
  type PatchEmbeddingParams,
  type TransformerBackbone,
} from './transformer-adapters.js';
export { frechetDistance, gaussianStatistics, symmetricEigen, type GaussianStatistics } from './frechet-distance.js';
export {
  trainQualityClassifier,
  generationQuality,
  DEFAULT_QUALITY_CLASSIFIER,
  type QualityClassifier,
  type QualityClassifierConfig,
  type GenerationQuality,
} from './generation-quality.js';
export { compareClaim, comparePairedClaim, meanStd, CLAIM_THRESHOLD_SE, type ClaimVerdict } from './claim-verdict.js';
