/**
 * Loader of darl's native CPU kernels: the addon that `scripts/build.mjs` compiled at install time. Loading it is
 * explicit ({@link loadNativeKernels}); importing this module loads nothing.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the compiled addon exports. Every kernel works in place on float32 data inside one ArrayBuffer (a heap). */
export interface NativeKernels {
  /**
   * For each output batch item `i < batch`: `C_i [M, N] = op(A_{aIdx[i]}) · op(B_{bIdx[i]})`, where A items are
   * `[M, K]` (`[K, M]` when `transposeA`), B items `[K, N]` (`[N, K]` when `transposeB`), C items `[M, N]`, all
   * row-major float32 starting at the byte offsets `aOff`, `bOff`, `cOff` of `heap`. Throws a RangeError if any
   * operand lies outside the heap.
   */
  batchMatMul(
    heap: ArrayBufferLike,
    aOff: number,
    bOff: number,
    cOff: number,
    batch: number,
    M: number,
    N: number,
    K: number,
    transposeA: boolean,
    transposeB: boolean,
    aIdx: Int32Array,
    bIdx: Int32Array,
  ): void;
  /**
   * `y[i] = f(x[i])` for `n` float32 values; op: 0 exp, 1 erf (tfjs's Abramowitz–Stegun formula), 2 neg, 3 square,
   * 4 sqrt, 5 rsqrt, 6 abs, 7 log.
   */
  unary(heap: ArrayBufferLike, op: number, xOff: number, yOff: number, n: number): void;
  /**
   * `out = a op b` over `shape` (row-major output), reading a and b through per-dimension element strides (0 on
   * broadcast dimensions); op: 0 add, 1 sub, 2 mul, 3 div, 4 squared difference, 5 maximum, 6 minimum.
   */
  binary(heap: ArrayBufferLike, op: number, aOff: number, aStrides: Int32Array, bOff: number, bStrides: Int32Array, outOff: number, shape: Int32Array): void;
  /** Copies the box `[begin, begin + size)` of a row-major float32 array of `shape` to `outOff`. */
  slice(heap: ArrayBufferLike, xOff: number, shape: Int32Array, begin: Int32Array, size: Int32Array, outOff: number): void;
  /** Sums a `[rows, cols]` float32 array over its columns (`inner`: one value per row) or its rows (one per column). */
  sum(heap: ArrayBufferLike, xOff: number, rows: number, cols: number, outOff: number, inner: boolean): void;
  /**
   * LayerNorm over the last axis of a `[rows, cols]` float32 array: `y = (x − mean) · rstd · gamma + beta` per row,
   * `rstd = 1/√(biased variance + eps)`; writes `y [rows, cols]`, `mean [rows]` and `rstd [rows]`. `gammaOff` and
   * `betaOff` (`[cols]`) may be −1 (no gain / no shift).
   */
  layerNorm(heap: ArrayBufferLike, xOff: number, gammaOff: number, betaOff: number, eps: number, rows: number, cols: number, yOff: number, meanOff: number, rstdOff: number): void;
  /**
   * Backward of {@link NativeKernels.layerNorm} from `dy [rows, cols]` and the saved `mean`/`rstd`: `dx [rows, cols]`,
   * `dgamma [cols] = Σ_rows dy·x̂`, `dbeta [cols] = Σ_rows dy`. `gammaOff`, `dgammaOff` and `dbetaOff` may be −1.
   */
  layerNormGrad(heap: ArrayBufferLike, dyOff: number, xOff: number, gammaOff: number, meanOff: number, rstdOff: number, rows: number, cols: number, dxOff: number, dgammaOff: number, dbetaOff: number): void;
  /** Exact GELU `y = z · Φ(z)` of `z = x + bias` for `x [rows, cols]`, `bias [cols]` (`biasOff` −1: `z = x`). */
  gelu(heap: ArrayBufferLike, xOff: number, biasOff: number, rows: number, cols: number, yOff: number): void;
  /** Backward of {@link NativeKernels.gelu}: `dx = dy · (Φ(z) + z·φ(z))` and `dbias [cols] = Σ_rows dx` (−1: none). */
  geluGrad(heap: ArrayBufferLike, dyOff: number, xOff: number, biasOff: number, rows: number, cols: number, dxOff: number, dbiasOff: number): void;
  /**
   * One AdamW step over `count` tensors in place: `offsets` holds the byte offsets `[p, g, m, v]` of each tensor
   * (`4·count`), `sizes` their element counts, `decay[i] = 1 − lr'·λ` (1: no decay), `stepScale[i] = lr'/(1 − β₁ᵗ)`,
   * `constants = [β₁, 1 − β₁, β₂, 1 − β₂, √(1 − β₂ᵗ), ε]`. Per element: `m ← β₁m + (1 − β₁)g`,
   * `v ← β₂v + (1 − β₂)g²`, `p ← p·decay − m / (√v / √(1 − β₂ᵗ) + ε) · stepScale`.
   */
  adamw(heap: ArrayBufferLike, offsets: Float64Array, sizes: Float64Array, decay: Float32Array, stepScale: Float32Array, constants: Float32Array): void;
  /**
   * Exponential moving average over `count` tensors in place: `offsets` holds the byte offsets `[shadow, param]` of
   * each (`2·count`), `sizes` their element counts; per element `shadow ← shadow·decay + param·oneMinusDecay`.
   */
  emaUpdate(heap: ArrayBufferLike, offsets: Float64Array, sizes: Float64Array, decay: number, oneMinusDecay: number): void;
  /** `out[i] = Σ x_i²` (accumulated in float64) for `count` tensors at byte `offsets` with `sizes` elements; `out [count]`. */
  sumSquares(heap: ArrayBufferLike, offsets: Float64Array, sizes: Float64Array, outOff: number): void;
  /** Sets the thread count of every kernel (≥ 1). */
  setThreads(n: number): void;
  /** Threads in use, CPUs the process may run on, and the compiled GEMM microkernel. */
  info(): { threads: number; allowedCpus: number; gemmKernel: string };
}

/** The result of {@link loadNativeKernels}: the addon and its thread count, or why it is unavailable. */
export type NativeLoad =
  | {
      readonly ok: true;
      readonly kernels: NativeKernels;
      readonly threads: number;
      /** Where the thread count came from, e.g. `DARL_NUM_THREADS=2`. */
      readonly threadsFrom: string;
      readonly gemmKernel: string;
    }
  | { readonly ok: false; readonly reason: string };

/** Environment variable that sets the thread count (default: the CPUs in the process's affinity mask). */
export const THREADS_ENV = 'DARL_NUM_THREADS';

function packageDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4 && !existsSync(join(dir, 'scripts', 'build.mjs')); i++) dir = dirname(dir);
  return dir;
}

function buildStatus(dir: string): { ok?: boolean; reason?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'build', 'status.json'), 'utf8')) as { ok?: boolean; reason?: string };
  } catch {
    return undefined;
  }
}

let cached: NativeLoad | undefined;

/** Options of {@link loadNativeKernels}. */
export interface LoadOptions {
  /** Package directory holding `build/` (default: this package's; a copy elsewhere is for tests). */
  readonly dir?: string;
}

/**
 * Loads the addon once per process and applies the thread count from `DARL_NUM_THREADS` (a positive integer), else
 * the CPUs the process may use. Never throws: a missing or broken build comes back as `{ ok: false, reason }`, with
 * the reason the install-time build recorded and how to rebuild.
 */
export function loadNativeKernels(opts: LoadOptions = {}): NativeLoad {
  if (opts.dir === undefined && cached) return cached;
  const result = load(opts.dir ?? packageDir());
  if (opts.dir === undefined) cached = result;
  return result;
}

function load(dir: string): NativeLoad {
  const rebuild = `rebuild with \`node ${join(dir, 'scripts', 'build.mjs')}\` once g++ and the Node headers are available`;
  const file = join(dir, 'build', 'darl_native.node');
  const status = buildStatus(dir);
  if (!existsSync(file) || status?.ok === false) {
    const why = status?.reason ?? 'the install-time build did not run (pnpm blocks the build scripts of dependencies it is not told to allow)';
    return { ok: false, reason: `the native kernels were not built: ${why}; ${rebuild}` };
  }
  let kernels: NativeKernels;
  // libgomp reads its settings when it loads: spin only briefly before sleeping (the default spins ~300k
  // iterations), so an idle pool does not take the CPU from the single-threaded kernels between parallel ones.
  const spin = process.env.GOMP_SPINCOUNT;
  if (spin === undefined && process.env.OMP_WAIT_POLICY === undefined) process.env.GOMP_SPINCOUNT = '20000';
  try {
    kernels = createRequire(import.meta.url)(file) as NativeKernels;
  } catch (err) {
    const msg = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    return { ok: false, reason: `the native kernels failed to load (${msg}); ${rebuild}` };
  } finally {
    if (spin === undefined) delete process.env.GOMP_SPINCOUNT;
  }
  const raw = process.env[THREADS_ENV];
  let threadsFrom = `the ${kernels.info().allowedCpus} CPUs this process may use`;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      return {
        ok: false,
        reason: `${THREADS_ENV}=${raw} is not a positive integer; set it to the number of threads, or unset it to use every allowed CPU`,
      };
    }
    kernels.setThreads(n);
    threadsFrom = `${THREADS_ENV}=${raw}`;
  }
  const info = kernels.info();
  return { ok: true, kernels, threads: info.threads, threadsFrom, gemmKernel: info.gemmKernel };
}
