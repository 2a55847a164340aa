/**
 * The linear probe: frozen features, standardised with training-set statistics (batch norm without affine, as MAE's
 * probe), a softmax classifier trained with AdamW, the weight decay chosen on a seeded held-out split of the training
 * set, then the classifier retrained on the whole training set with that weight decay and scored on the test set.
 *
 * @module
 */
import { checkLabels, selectLabels, selectRows, type FeatureMatrix } from './feature-matrix.js';
import { featureStatistics, standardizeFeatures, STANDARDIZE_EPS, type FeatureStatistics } from './standardize.js';
import { holdoutSplit } from './holdout-split.js';
import { classificationMetrics, top1Accuracy, type ClassificationMetrics } from './metrics.js';
import {
  classifierScores,
  DEFAULT_SOFTMAX_TRAINING,
  trainSoftmaxClassifiers,
  type SoftmaxClassifier,
  type SoftmaxTrainingConfig,
} from './softmax-classifier.js';

/** Settings of {@link linearProbe}; every field has a default. */
export interface LinearProbeConfig extends SoftmaxTrainingConfig {
  /** AdamW weight decays tried on the held-out split (default `[0, 0.01, 0.1, 1]`; decoupled, so the equilibrium weight scale is about 1/weightDecay). */
  readonly weightDecays: readonly number[];
  /** Fraction of the training set held out to choose the weight decay (default 0.1). */
  readonly valFraction: number;
  /** Seed of the held-out split and the batch order (default 0). */
  readonly seed: number;
  /** Standardisation eps (default 1e-6). */
  readonly eps: number;
}

/** Defaults of {@link LinearProbeConfig}. */
export const DEFAULT_LINEAR_PROBE: LinearProbeConfig = {
  ...DEFAULT_SOFTMAX_TRAINING,
  weightDecays: [0, 1e-2, 1e-1, 1],
  valFraction: 0.1,
  eps: STANDARDIZE_EPS,
};

/** Features with one label per row. */
export interface LabelledFeatures {
  readonly features: FeatureMatrix;
  readonly labels: Int32Array;
}

/** What {@link linearProbe} returns. */
export interface LinearProbeResult {
  /** The weight decay chosen on the held-out split. */
  readonly weightDecay: number;
  /** Held-out top-1 of the chosen weight decay (the model-selection score; never the test set). */
  readonly valTop1: number;
  /** Held-out top-1 per weight decay, in grid order. */
  readonly validation: { weightDecay: number; top1: number }[];
  /** Test metrics of the classifier retrained on the whole training set. */
  readonly test: ClassificationMetrics;
  /** That classifier and the statistics that standardise its inputs. */
  readonly classifier: SoftmaxClassifier;
  readonly statistics: FeatureStatistics;
}

/** Held-out score of every weight decay (fit on the split's fitting part, scored on its held-out part). */
export function validateWeightDecays(
  train: LabelledFeatures,
  numClasses: number,
  config: Partial<LinearProbeConfig> = {},
): { weightDecay: number; top1: number }[] {
  const cfg = { ...DEFAULT_LINEAR_PROBE, ...config };
  const split = holdoutSplit(train.features.rows, cfg.valFraction, cfg.seed);
  const fitRaw = selectRows(train.features, split.fit);
  const stats = featureStatistics(fitRaw, cfg.eps);
  const fit = standardizeFeatures(fitRaw, stats);
  const val = standardizeFeatures(selectRows(train.features, split.val), stats);
  const fitLabels = selectLabels(train.labels, split.fit);
  const valLabels = selectLabels(train.labels, split.val);
  const classifiers = trainSoftmaxClassifiers(fit, fitLabels, numClasses, cfg.weightDecays, cfg);
  return classifiers.map((c) => ({ weightDecay: c.weightDecay, top1: top1Accuracy(classifierScores(val, c), valLabels, numClasses) }));
}

/**
 * Runs the linear-probe protocol on fixed features.
 *
 * @param train training features `[N, C]` and labels `[N]`
 * @param test test features `[M, C]` and labels `[M]`
 */
export function linearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  config: Partial<LinearProbeConfig> = {},
): LinearProbeResult {
  const where = 'linearProbe';
  const cfg = { ...DEFAULT_LINEAR_PROBE, ...config };
  checkLabels(`${where} (train)`, train.features, train.labels, numClasses);
  checkLabels(`${where} (test)`, test.features, test.labels, numClasses);
  if (train.features.dim !== test.features.dim) {
    throw new Error(`${where}: train features have ${train.features.dim} columns but test features ${test.features.dim}; use the same readout for both.`);
  }
  // With a single weight decay there is nothing to choose, but the held-out score is still reported, so every probe
  // (and every sweep cell) has a model-selection number that never looked at the test set.
  const validation = validateWeightDecays(train, numClasses, cfg);
  const chosen = validation.reduce((best, v) => (v.top1 > best.top1 ? v : best));
  const statistics = featureStatistics(train.features, cfg.eps);
  const [classifier] = trainSoftmaxClassifiers(
    standardizeFeatures(train.features, statistics),
    train.labels,
    numClasses,
    [chosen.weightDecay],
    cfg,
  );
  const scores = classifierScores(standardizeFeatures(test.features, statistics), classifier!);
  return {
    weightDecay: chosen.weightDecay,
    valTop1: chosen.top1,
    validation,
    test: classificationMetrics(scores, test.labels, numClasses),
    classifier: classifier!,
    statistics,
  };
}
