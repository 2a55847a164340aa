/**
 * The linear probe: frozen features, standardised with training-set statistics (batch norm without affine, as MAE's
 * probe), a linear classifier, its regularisation chosen on a seeded held-out split of the training set, then the
 * classifier refit on the whole training set with that regularisation and scored on the test set.
 *
 * Three solvers. `lbfgs` (default): multinomial logistic regression fitted full-batch by L-BFGS to its optimum
 * (scikit-learn's LogisticRegression; see `lbfgs-softmax-classifier.ts`), warm-started along the L2 grid — fast
 * enough for full 60k/10k sweeps. `ridge`: closed-form least squares onto one-hot targets (one Gram matrix for the
 * whole grid; fastest on narrow features, but it masks classes lying between others, so it scores lower).
 * `adamw`: the same logistic regression trained by a fixed number of AdamW steps (the previous protocol). The solver
 * is part of the protocol: compare numbers only under the same solver.
 *
 * @module
 */
import { checkLabels, selectLabels, selectRows, type FeatureMatrix } from './feature-matrix.js';
import { featureStatistics, standardizeFeatures, STANDARDIZE_EPS, type FeatureStatistics } from './standardize.js';
import { holdoutSplit } from './holdout-split.js';
import { classificationMetrics, top1Accuracy, type ClassificationMetrics } from './metrics.js';
import { classifierScores, type LinearClassifier } from './linear-classifier.js';
import { trainRidgeClassifiers } from './ridge-classifier.js';
import { DEFAULT_LBFGS, trainLbfgsSoftmaxClassifiers, type LbfgsConfig } from './lbfgs-softmax-classifier.js';
import { DEFAULT_SOFTMAX_TRAINING, trainSoftmaxClassifiers, type SoftmaxTrainingConfig } from './softmax-classifier.js';

/** Solvers of the linear probe. */
export const LINEAR_PROBE_SOLVERS = ['lbfgs', 'ridge', 'adamw'] as const;
/** A linear-probe solver: one of {@link LINEAR_PROBE_SOLVERS}. */
export type LinearProbeSolver = (typeof LINEAR_PROBE_SOLVERS)[number];

/** Settings of {@link linearProbe}; every field has a default. */
export interface LinearProbeConfig extends SoftmaxTrainingConfig, LbfgsConfig {
  /** `lbfgs` (default), `ridge` or `adamw` (uses the SoftmaxTrainingConfig fields and `weightDecays`). */
  readonly solver: LinearProbeSolver;
  /** L-BFGS solver: L2 strengths (per mean loss) tried on the held-out split, strong to weak (default `[1e-2, 1e-3, 1e-4, 1e-5]`). */
  readonly l2s: readonly number[];
  /** Ridge penalties per training row tried on the held-out split (default `[1e-3, 1e-2, 0.1, 1, 10]`). */
  readonly alphas: readonly number[];
  /** AdamW solver: AdamW weight decays tried on the held-out split (default `[0, 0.01, 0.1, 1]`; decoupled, so the equilibrium weight scale is about 1/weightDecay). */
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
  ...DEFAULT_LBFGS,
  solver: 'lbfgs',
  l2s: [1e-2, 1e-3, 1e-4, 1e-5],
  alphas: [1e-3, 1e-2, 1e-1, 1, 10],
  weightDecays: [0, 1e-2, 1e-1, 1],
  valFraction: 0.1,
  eps: STANDARDIZE_EPS,
};

/** Features with one label per row. */
export interface LabelledFeatures {
  /** Features `[N, C]`. */
  readonly features: FeatureMatrix;
  /** Class of each row `[N]`. */
  readonly labels: Int32Array;
}

/** What {@link linearProbe} returns. */
export interface LinearProbeResult {
  /** The regularisation chosen on the held-out split: L-BFGS l2, ridge alpha or AdamW weight decay (see `solver`). */
  readonly weightDecay: number;
  /** The solver that fitted the probe. */
  readonly solver: LinearProbeSolver;
  /** Held-out top-1 of the chosen weight decay (the model-selection score; never the test set). */
  readonly valTop1: number;
  /** Held-out top-1 per regularisation strength, in grid order. */
  readonly validation: {
    /** The regularisation strength. */
    weightDecay: number;
    /** Held-out top-1 with it. */
    top1: number;
  }[];
  /** Test metrics of the classifier retrained on the whole training set. */
  readonly test: ClassificationMetrics;
  /** That classifier and the statistics that standardise its inputs. */
  readonly classifier: LinearClassifier;
  /** Per-feature mean and standard deviation of the training set, which standardise the inputs. */
  readonly statistics: FeatureStatistics;
}

/** One classifier per strength of the configured solver's grid (`alphas` or `weightDecays`), in grid order. */
async function fitClassifiers(
  features: FeatureMatrix,
  labels: Int32Array,
  numClasses: number,
  strengths: readonly number[],
  cfg: LinearProbeConfig,
): Promise<LinearClassifier[]> {
  if (!LINEAR_PROBE_SOLVERS.includes(cfg.solver)) throw new Error(`linearProbe: unknown solver "${String(cfg.solver)}"; use ${LINEAR_PROBE_SOLVERS.join(' or ')}.`);
  if (cfg.solver === 'lbfgs') return trainLbfgsSoftmaxClassifiers(features, labels, numClasses, strengths, cfg);
  if (cfg.solver === 'ridge') return trainRidgeClassifiers(features, labels, numClasses, strengths);
  return trainSoftmaxClassifiers(features, labels, numClasses, strengths, cfg);
}

const grid = (cfg: LinearProbeConfig): readonly number[] => (cfg.solver === 'lbfgs' ? cfg.l2s : cfg.solver === 'ridge' ? cfg.alphas : cfg.weightDecays);

/**
 * Held-out score of every regularisation strength (fit on the split's fitting part, scored on its held-out part).
 * `weightDecay` holds the strength: L-BFGS l2, ridge alpha or AdamW weight decay.
 */
export async function validateWeightDecays(
  train: LabelledFeatures,
  numClasses: number,
  config: Partial<LinearProbeConfig> = {},
): Promise<{
  /** The regularisation strength. */
  weightDecay: number;
  /** Held-out top-1 with it. */
  top1: number;
}[]> {
  const cfg = { ...DEFAULT_LINEAR_PROBE, ...config };
  const split = holdoutSplit(train.features.rows, cfg.valFraction, cfg.seed);
  const fitRaw = selectRows(train.features, split.fit);
  const stats = featureStatistics(fitRaw, cfg.eps);
  const fit = standardizeFeatures(fitRaw, stats);
  const val = standardizeFeatures(selectRows(train.features, split.val), stats);
  const fitLabels = selectLabels(train.labels, split.fit);
  const valLabels = selectLabels(train.labels, split.val);
  const strengths = grid(cfg);
  const classifiers = await fitClassifiers(fit, fitLabels, numClasses, strengths, cfg);
  const scores = await Promise.all(classifiers.map((c) => classifierScores(val, c)));
  return classifiers.map((_, i) => ({ weightDecay: strengths[i]!, top1: top1Accuracy(scores[i]!, valLabels, numClasses) }));
}

/**
 * Runs the linear-probe protocol on fixed features.
 *
 * @param train training features `[N, C]` and labels `[N]`
 * @param test test features `[M, C]` and labels `[M]`
 */
export async function linearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  config: Partial<LinearProbeConfig> = {},
): Promise<LinearProbeResult> {
  const where = 'linearProbe';
  const cfg = { ...DEFAULT_LINEAR_PROBE, ...config };
  checkLabels(`${where} (train)`, train.features, train.labels, numClasses);
  checkLabels(`${where} (test)`, test.features, test.labels, numClasses);
  if (train.features.dim !== test.features.dim) {
    throw new Error(`${where}: train features have ${train.features.dim} columns but test features ${test.features.dim}; use the same readout for both.`);
  }
  // With a single weight decay there is nothing to choose, but the held-out score is still reported, so every probe
  // (and every sweep cell) has a model-selection number that never looked at the test set.
  const validation = await validateWeightDecays(train, numClasses, cfg);
  const chosen = validation.reduce((best, v) => (v.top1 > best.top1 ? v : best));
  const statistics = featureStatistics(train.features, cfg.eps);
  const [classifier] = await fitClassifiers(standardizeFeatures(train.features, statistics), train.labels, numClasses, [chosen.weightDecay], cfg);
  const scores = await classifierScores(standardizeFeatures(test.features, statistics), classifier!);
  return {
    weightDecay: chosen.weightDecay,
    solver: cfg.solver,
    valTop1: chosen.top1,
    validation,
    test: classificationMetrics(scores, test.labels, numClasses),
    classifier: classifier!,
    statistics,
  };
}
