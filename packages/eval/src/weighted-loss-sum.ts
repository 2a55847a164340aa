/**
 * Reading a training loop's losses once per epoch instead of once per step, so a GPU backend is not stalled every step.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `Σ lossᵢ · weightᵢ` of scalar tensors, read all together with `await data()` and summed in float64 in order (the
 * same number as reading each loss right after its step). Disposes the losses, also when the read fails.
 *
 * @param losses float32 scalars (e.g. the mean loss of each batch)
 * @param weights one per loss (e.g. the batch sizes)
 */
export async function weightedLossSum(losses: readonly tf.Scalar[], weights: readonly number[]): Promise<number> {
  try {
    if (losses.length !== weights.length) throw new Error(`weightedLossSum: ${losses.length} losses but ${weights.length} weights.`);
    const values = await Promise.all(losses.map((l) => l.data()));
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i]![0]! * weights[i]!;
    return sum;
  } finally {
    tf.dispose(losses as tf.Scalar[]);
  }
}
