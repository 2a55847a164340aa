/**
 * A cache-friendly n-dimensional transpose of a flat typed array, used by the wasm overrides (it runs on views of the
 * wasm heap). Dimensions of size one are dropped and runs of axes that stay adjacent are merged first, so most
 * transposes reduce to a blocked 2-D transpose or a batch of them.
 *
 * @module
 */

type Flat = Float32Array | Int32Array | Uint8Array;

/** `shape`/`perm` with size-1 axes removed and axes adjacent in both input and output merged. */
export function simplifyPermutation(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  // Drop size-1 axes.
  const keep = shape.map((d) => d !== 1);
  const newIndex: number[] = [];
  let n = 0;
  for (let i = 0; i < shape.length; i++) newIndex.push(keep[i] ? n++ : -1);
  const s1 = shape.filter((d) => d !== 1);
  const p1 = perm.filter((p) => keep[p]).map((p) => newIndex[p] as number);
  if (s1.length === 0) return { shape: [], perm: [] };
  // Merge runs p[i+1] = p[i] + 1 (input axes that stay adjacent and in order).
  const groups: number[][] = [];
  for (const p of p1) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] === p - 1) last.push(p);
    else groups.push([p]);
  }
  // Each group becomes one axis; order groups by their first input axis to get the new input shape.
  const byInput = [...groups].sort((a, b) => (a[0] as number) - (b[0] as number));
  const mergedShape = byInput.map((g) => g.reduce((acc, ax) => acc * (s1[ax] as number), 1));
  const mergedPerm = groups.map((g) => byInput.indexOf(g));
  return { shape: mergedShape, perm: mergedPerm };
}

const BLOCK = 32;

/**
 * The copy loops, instantiated once per typed-array class so each closure keeps monomorphic element-access feedback
 * (V8 keeps type feedback per closure; one shared function seeing three array classes runs several times slower).
 */
function makeLoops(): {
  batched2d: (src: Flat, srcOff: number, dst: Flat, dstOff: number, batch: number, rows: number, cols: number) => void;
  general: (src: Flat, srcOff: number, dst: Flat, dstOff: number, size: number, outShape: number[], strideOf: number[]) => void;
} {
  /** `dst[b, j, i] = src[b, i, j]` for `src [batch, rows, cols]`, blocked; contiguous writes, strided reads. */
  function batched2d(src: Flat, srcOff: number, dst: Flat, dstOff: number, batch: number, rows: number, cols: number): void {
    const plane = rows * cols;
    for (let b = 0; b < batch; b++) {
      const s0 = srcOff + b * plane;
      const d0 = dstOff + b * plane;
      for (let i0 = 0; i0 < rows; i0 += BLOCK) {
        const i1 = Math.min(i0 + BLOCK, rows);
        for (let j0 = 0; j0 < cols; j0 += BLOCK) {
          const j1 = Math.min(j0 + BLOCK, cols);
          for (let j = j0; j < j1; j++) {
            const dj = d0 + j * rows;
            for (let i = i0; i < i1; i++) dst[dj + i] = src[s0 + i * cols + j] as number;
          }
        }
      }
    }
  }
  /** Walks the output in order; the innermost output axis reads `src` with a fixed stride. */
  function general(src: Flat, srcOff: number, dst: Flat, dstOff: number, size: number, outShape: number[], strideOf: number[]): void {
    const r = outShape.length;
    const inner = outShape[r - 1] as number;
    const innerStride = strideOf[r - 1] as number;
    const counter = new Array<number>(r - 1).fill(0);
    let srcBase = srcOff;
    let d = dstOff;
    const outer = size / inner;
    for (let o = 0; o < outer; o++) {
      for (let k = 0, si = srcBase; k < inner; k++, si += innerStride) dst[d++] = src[si] as number;
      // Advance the odometer over the outer output axes.
      for (let ax = r - 2; ax >= 0; ax--) {
        const c = (counter[ax] as number) + 1;
        if (c < (outShape[ax] as number)) {
          counter[ax] = c;
          srcBase += strideOf[ax] as number;
          break;
        }
        counter[ax] = 0;
        srcBase -= (c - 1) * (strideOf[ax] as number);
      }
    }
  }
  return { batched2d, general };
}

const LOOPS = { f32: makeLoops(), i32: makeLoops(), u8: makeLoops() };

function loopsFor(a: Flat): ReturnType<typeof makeLoops> {
  return a instanceof Float32Array ? LOOPS.f32 : a instanceof Int32Array ? LOOPS.i32 : LOOPS.u8;
}

/**
 * Writes the transpose of `src` (values at `srcOff`, `shape`, axis permutation `perm` as in `tf.transpose`) into `dst`
 * at `dstOff`. `src` and `dst` must not overlap.
 */
export function permuteArray(src: Flat, srcOff: number, shape: readonly number[], perm: readonly number[], dst: Flat, dstOff: number): void {
  const { shape: s, perm: p } = simplifyPermutation(shape, perm);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 0) return;
  const r = s.length;
  if (r <= 1) {
    dst.set(src.subarray(srcOff, srcOff + size), dstOff);
    return;
  }
  const loops = loopsFor(src);
  if (r === 2) {
    loops.batched2d(src, srcOff, dst, dstOff, 1, s[0] as number, s[1] as number);
    return;
  }
  if (r === 3 && p[0] === 0 && p[1] === 2 && p[2] === 1) {
    loops.batched2d(src, srcOff, dst, dstOff, s[0] as number, s[1] as number, s[2] as number);
    return;
  }
  const inStrides = new Array<number>(r);
  inStrides[r - 1] = 1;
  for (let i = r - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] as number) * (s[i + 1] as number);
  loops.general(
    src,
    srcOff,
    dst,
    dstOff,
    size,
    p.map((ax) => s[ax] as number),
    p.map((ax) => inStrides[ax] as number),
  );
}
