/**
 * tf's broadcasting of the batch (outer) dimensions of a batched matmul, as flat item indices, shared by the wasm and
 * native `BatchMatMul` overrides.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** Flat batch index of each output batch item in a and in b under tf's broadcasting of the outer dimensions. */
export function broadcastIndices(outOuter: number[], aOuter: number[], bOuter: number[]): { a: Int32Array; b: Int32Array } {
  const total = tf.util.sizeFromShape(outOuter);
  const a = new Int32Array(total);
  const b = new Int32Array(total);
  const r = outOuter.length;
  const aPad = new Array<number>(r - aOuter.length).fill(1).concat(aOuter);
  const bPad = new Array<number>(r - bOuter.length).fill(1).concat(bOuter);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < total; o++) {
    let ai = 0;
    let bi = 0;
    for (let d = 0; d < r; d++) {
      ai = ai * (aPad[d] as number) + ((aPad[d] as number) === 1 ? 0 : (idx[d] as number));
      bi = bi * (bPad[d] as number) + ((bPad[d] as number) === 1 ? 0 : (idx[d] as number));
    }
    a[o] = ai;
    b[o] = bi;
    for (let d = r - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (outOuter[d] as number)) break;
      idx[d] = 0;
    }
  }
  return { a, b };
}


/**
 * The sizes of a batched matmul `out [...outOuter, M, N] = op(a) [..., M, K] · op(b) [..., K, N]`, checked as tf's
 * own `matMul` checks them (the same message), shared by the wasm and native `BatchMatMul` overrides.
 */
export function batchMatMulSizes(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): { M: number; N: number; K: number; aOuter: number[]; bOuter: number[]; outOuter: number[] } {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const M = (transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2]) as number;
  const Ka = (transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1]) as number;
  const Kb = (transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2]) as number;
  const N = (transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1]) as number;
  if (Ka !== Kb) {
    throw new Error(
      `Error in matMul: inner shapes (${Ka}) and (${Kb}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
        `transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const aOuter = a.shape.slice(0, -2);
  const bOuter = b.shape.slice(0, -2);
  const outOuter = tf.broadcast_util.assertAndGetBroadcastShape(aOuter, bOuter);
  return { M, N, K: Ka, aOuter, bOuter, outOuter };
}
