/**
 * Classification metrics as a JSON-serialisable object: top-1, top-5 (when there are at least 5 classes), per-class
 * accuracy and the confusion matrix.
 *
 * @module
 */

/** What {@link classificationMetrics} returns; plain numbers and arrays, `JSON.stringify`-able. */
export interface ClassificationMetrics {
  /** Number of examples scored. */
  readonly count: number;
  /** Classes K. */
  readonly numClasses: number;
  /** Fraction of examples whose highest-scoring class is the label, in [0, 1]. */
  readonly top1: number;
  /** Fraction whose label is among the 5 highest scores; null with fewer than 5 classes. */
  readonly top5: number | null;
  /** Accuracy per true class (null for a class with no examples). */
  readonly perClassAccuracy: (number | null)[];
  /** Mean of the non-null per-class accuracies (balanced accuracy). */
  readonly meanClassAccuracy: number;
  /** `confusion[true][predicted]` counts, `[K][K]`. */
  readonly confusion: number[][];
}

/**
 * Scores each example by its row of `scores` (logits, probabilities or votes: only the order matters; ties go to
 * the lower class index).
 *
 * @param scores row-major `[N, K]` (N = labels.length, K = numClasses)
 * @param labels `[N]` class indices in [0, K)
 */
export function classificationMetrics(scores: Float32Array | Float64Array, labels: ArrayLike<number>, numClasses: number): ClassificationMetrics {
  const n = labels.length;
  const k = numClasses;
  if (!Number.isInteger(k) || k < 1) throw new Error(`classificationMetrics: numClasses must be a positive integer, got ${k}.`);
  if (scores.length !== n * k) {
    throw new Error(`classificationMetrics: scores must be [N=${n}, K=${k}] (${n * k} values), got ${scores.length}.`);
  }
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct1 = 0;
  let correct5 = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= k) throw new Error(`classificationMetrics: label ${i} is ${y}, outside [0, ${k}).`);
    const o = i * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[o + c]! > scores[o + best]!) best = c;
    confusion[y]![best]!++;
    if (best === y) correct1++;
    if (k >= 5) {
      // Rank of the true class: number of classes that beat it (ties broken by index, as for top-1).
      const sy = scores[o + y]!;
      let above = 0;
      for (let c = 0; c < k; c++) if (scores[o + c]! > sy || (scores[o + c]! === sy && c < y)) above++;
      if (above < 5) correct5++;
    }
  }
  const perClassAccuracy = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[c]! / total;
  });
  const present = perClassAccuracy.filter((a): a is number => a !== null);
  return {
    count: n,
    numClasses: k,
    top1: n === 0 ? 0 : correct1 / n,
    top5: k >= 5 ? (n === 0 ? 0 : correct5 / n) : null,
    perClassAccuracy,
    meanClassAccuracy: present.length === 0 ? 0 : present.reduce((a, b) => a + b, 0) / present.length,
    confusion,
  };
}

/** Top-1 accuracy only (fraction in [0, 1]) of row-major scores `[N, K]`. */
export function top1Accuracy(scores: Float32Array | Float64Array, labels: ArrayLike<number>, numClasses: number): number {
  const n = labels.length;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const o = i * numClasses;
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (scores[o + c]! > scores[o + best]!) best = c;
    if (best === labels[i]) correct++;
  }
  return n === 0 ? 0 : correct / n;
}
