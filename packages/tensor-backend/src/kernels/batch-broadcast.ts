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

