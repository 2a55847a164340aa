// The one declaration of the addon's seam: every entry point's name, argument layout and documentation, the op codes
// of the elementwise kernels, and the layout of the attention "geometry" arrays. `scripts/gen-native-kernels.mjs`
// (repository root) turns it into the C++ header `src/kernels.generated.h` (enums, argument positions, geometry
// fields, entry-point declarations and the registration list), this package's `src/node/kernels.generated.ts` (the
// `NativeKernels` interface) and `@darl/tensor-backend`'s `src/kernels/native-abi.generated.ts` (op codes and
// geometry packers). `pnpm test` fails when a generated file is out of date: edit this file, then run
// `node scripts/gen-native-kernels.mjs`.
//
// Argument types: heap (the ArrayBuffer the kernels work in, argument 0 of every kernel), offset (a byte offset into
// the heap; −1 where an operand is optional), int, float, bool, i32s / f32s / f64s (typed arrays), code:ENUM (an op
// code of OP_CODES[ENUM]) and geometry:NAME:TENSORS (a Float64Array laid out as GEOMETRIES[NAME], with TENSORS views).

/** Op codes: the C++ `enum class`, and the tfjs kernel each one computes (names are tfjs's kernel names). */
export const OP_CODES = {
  Unary: {
    doc: 'Unary elementwise ops of `unary` (Erf is tfjs\'s Abramowitz–Stegun formula).',
    ops: ['Exp', 'Erf', 'Neg', 'Square', 'Sqrt', 'Rsqrt', 'Abs', 'Log'],
  },
  Binary: {
    doc: 'Broadcasting binary ops of `binary`.',
    ops: ['Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'Maximum', 'Minimum'],
  },
};

/**
 * Geometry arrays (Float64Array): `header` fields, then for each tensor a view of `view` fields. A field of type
 * bool is passed as 0/1; offset fields are byte offsets (cos < 0: no RoPE).
 */
export const GEOMETRIES = {
  attention: {
    doc: 'Sizes, RoPE and lse of an attention call, then one view per tensor (q, k, v, out; the backward adds dout, dq, dk, dv).',
    header: [
      ['B', 'int', 'batch items'],
      ['H', 'int', 'heads'],
      ['L', 'int', 'queries'],
      ['S', 'int', 'keys'],
      ['dh', 'int', 'channels per head'],
      ['scale', 'float', 'score scale'],
      ['causal', 'bool', 'query i sees keys j ≤ S − L + i'],
      ['sections', 'int', 'RoPE sections (1 without RoPE)'],
      ['rotateKeys', 'bool', 'RoPE rotates keys too'],
      ['cos', 'offset', 'RoPE cosine table, −1: no RoPE'],
      ['sin', 'offset', 'RoPE sine table (each section\'s first half negated)'],
      ['lse', 'offset', 'log-sum-exp [B, H, L], contiguous'],
    ],
  },
  copyRows: {
    doc: 'Sizes and RoPE of a row copy, then the views of src and dst.',
    header: [
      ['B', 'int', 'batch items'],
      ['H', 'int', 'heads'],
      ['L', 'int', 'rows per item'],
      ['dh', 'int', 'channels per row'],
      ['sections', 'int', 'RoPE sections (1 without RoPE)'],
      ['cos', 'offset', 'RoPE cosine table, −1: no RoPE'],
      ['sin', 'offset', 'RoPE sine table'],
    ],
  },
};

/** One tensor inside a geometry: byte offset, then the element strides of b, h and the row (rows of dh contiguous). */
export const VIEW = ['offset', 'sb', 'sh', 'sl'];

/**
 * Entry points in registration order: `name` as JavaScript sees it; `entry` the C++ function darl::entry::<entry>
 * (default: `name` capitalised), defined in addon.cc or in the kernel's own source file; `label` the name in its error
 * messages (default `name`); `argcError` its message for a wrong argument count (default "darl-native: wrong number
 * of arguments"); `returns` its TypeScript return type (default void).
 */
export const KERNELS = [
  {
    name: 'batchMatMul',
    argcError: 'darl-native batchMatMul: expected 12 arguments',
    doc: `For each output batch item \`i < batch\`: \`C_i [M, N] = op(A_{aIdx[i]}) · op(B_{bIdx[i]})\`, where A items are
\`[M, K]\` (\`[K, M]\` when \`transposeA\`), B items \`[K, N]\` (\`[N, K]\` when \`transposeB\`), C items \`[M, N]\`, all
row-major float32 starting at the byte offsets \`aOff\`, \`bOff\`, \`cOff\` of \`heap\`. Throws a RangeError if any
operand lies outside the heap.`,
    args: [['heap', 'heap'], ['aOff', 'offset'], ['bOff', 'offset'], ['cOff', 'offset'], ['batch', 'int'], ['M', 'int'], ['N', 'int'], ['K', 'int'],
      ['transposeA', 'bool'], ['transposeB', 'bool'], ['aIdx', 'i32s'], ['bIdx', 'i32s']],
  },
  {
    name: 'unary',
    doc: '`y[i] = f(x[i])` for `n` float32 values.',
    args: [['heap', 'heap'], ['op', 'code:Unary'], ['xOff', 'offset'], ['yOff', 'offset'], ['n', 'int']],
  },
  {
    name: 'binary',
    doc: `\`out = a op b\` over \`shape\` (row-major output), reading a and b through per-dimension element strides (0 on
broadcast dimensions).`,
    args: [['heap', 'heap'], ['op', 'code:Binary'], ['aOff', 'offset'], ['aStrides', 'i32s'], ['bOff', 'offset'], ['bStrides', 'i32s'], ['outOff', 'offset'], ['shape', 'i32s']],
  },
  {
    name: 'slice',
    doc: 'Copies the box `[begin, begin + size)` of a row-major float32 array of `shape` to `outOff`.',
    args: [['heap', 'heap'], ['xOff', 'offset'], ['shape', 'i32s'], ['begin', 'i32s'], ['size', 'i32s'], ['outOff', 'offset']],
  },
  {
    name: 'sum',
    doc: 'Sums a `[rows, cols]` float32 array over its columns (`inner`: one value per row) or its rows (one per column).',
    args: [['heap', 'heap'], ['xOff', 'offset'], ['rows', 'int'], ['cols', 'int'], ['outOff', 'offset'], ['inner', 'bool']],
  },
  {
    name: 'layerNorm',
    doc: `LayerNorm over the last axis of a \`[rows, cols]\` float32 array: \`y = (x − mean) · rstd · gamma + beta\` per row,
\`rstd = 1/√(biased variance + eps)\`; writes \`y [rows, cols]\`, \`mean [rows]\` and \`rstd [rows]\`. \`gammaOff\` and
\`betaOff\` (\`[cols]\`) may be −1 (no gain / no shift).`,
    args: [['heap', 'heap'], ['xOff', 'offset'], ['gammaOff', 'offset'], ['betaOff', 'offset'], ['eps', 'float'], ['rows', 'int'], ['cols', 'int'],
      ['yOff', 'offset'], ['meanOff', 'offset'], ['rstdOff', 'offset']],
  },
  {
    name: 'layerNormGrad',
    doc: `Backward of {@link NativeKernels.layerNorm} from \`dy [rows, cols]\` and the saved \`mean\`/\`rstd\`: \`dx [rows, cols]\`,
\`dgamma [cols] = Σ_rows dy·x̂\`, \`dbeta [cols] = Σ_rows dy\`. \`gammaOff\`, \`dgammaOff\` and \`dbetaOff\` may be −1.`,
    args: [['heap', 'heap'], ['dyOff', 'offset'], ['xOff', 'offset'], ['gammaOff', 'offset'], ['meanOff', 'offset'], ['rstdOff', 'offset'], ['rows', 'int'],
      ['cols', 'int'], ['dxOff', 'offset'], ['dgammaOff', 'offset'], ['dbetaOff', 'offset']],
  },
  {
    name: 'gelu',
    doc: 'Exact GELU `y = z · Φ(z)` of `z = x + bias` for `x [rows, cols]`, `bias [cols]` (`biasOff` −1: `z = x`).',
    args: [['heap', 'heap'], ['xOff', 'offset'], ['biasOff', 'offset'], ['rows', 'int'], ['cols', 'int'], ['yOff', 'offset']],
  },
  {
    name: 'geluGrad',
    doc: 'Backward of {@link NativeKernels.gelu}: `dx = dy · (Φ(z) + z·φ(z))` and `dbias [cols] = Σ_rows dx` (−1: none).',
    args: [['heap', 'heap'], ['dyOff', 'offset'], ['xOff', 'offset'], ['biasOff', 'offset'], ['rows', 'int'], ['cols', 'int'], ['dxOff', 'offset'], ['dbiasOff', 'offset']],
  },
  {
    name: 'adamw', entry: 'AdamW',
    doc: `One AdamW step over \`count\` tensors in place: \`offsets\` holds the byte offsets \`[p, g, m, v]\` of each tensor
(\`4·count\`), \`sizes\` their element counts, \`decay[i] = 1 − lr'·λ\` (1: no decay), \`stepScale[i] = lr'/(1 − β₁ᵗ)\`,
\`constants = [β₁, 1 − β₁, β₂, 1 − β₂, √(1 − β₂ᵗ), ε]\`. Per element: \`m ← β₁m + (1 − β₁)g\`,
\`v ← β₂v + (1 − β₂)g²\`, \`p ← p·decay − m / (√v / √(1 − β₂ᵗ) + ε) · stepScale\`.`,
    args: [['heap', 'heap'], ['offsets', 'f64s'], ['sizes', 'f64s'], ['decay', 'f32s'], ['stepScale', 'f32s'], ['constants', 'f32s']],
  },
  {
    name: 'emaUpdate',
    doc: `Exponential moving average over \`count\` tensors in place: \`offsets\` holds the byte offsets \`[shadow, param]\` of
each (\`2·count\`), \`sizes\` their element counts; per element \`shadow ← shadow·decay + param·oneMinusDecay\`.`,
    args: [['heap', 'heap'], ['offsets', 'f64s'], ['sizes', 'f64s'], ['decay', 'float'], ['oneMinusDecay', 'float']],
  },
  {
    name: 'sumSquares',
    doc: '`out[i] = Σ x_i²` (accumulated in float64) for `count` tensors at byte `offsets` with `sizes` elements; `out [count]`.',
    args: [['heap', 'heap'], ['offsets', 'f64s'], ['sizes', 'f64s'], ['outOff', 'offset']],
  },
  {
    name: 'attentionForward', label: 'attention',
    doc: `Fused attention per (b, h) item: \`out = softmax(scale · q kᵀ + mask) v\` for \`L\` queries and \`S\` keys of \`dh\`
channels, and \`lse [B, H, L]\` (contiguous), each row's log-sum-exp of the masked scaled scores (saved for the
backward pass). \`causal\`: query \`i\` sees keys \`j ≤ S − L + i\` (needs \`S ≥ L\`); else every key. \`geometry\`: the
attention geometry with views of q, k, v, out. \`cos ≥ 0\`: RoPE tables \`cos\`, \`sin [·, dh]\` rotate query \`i\` by
row \`i\` and, with \`rotateKeys\`, key \`j\` by row \`j\`, as they are read. Throws a RangeError if anything lies outside
the heap.`,
    args: [['heap', 'heap'], ['geometry', 'geometry:attention:4']],
  },
  {
    name: 'attentionBackward', label: 'attention',
    doc: `Gradients of {@link NativeKernels.attentionForward}: \`geometry\` as there, followed by the views of dout, dq, dk and
dv; every element of dq, dk, dv is written.`,
    args: [['heap', 'heap'], ['geometry', 'geometry:attention:8']],
  },
  {
    name: 'copyRows',
    doc: `Copies \`B × H × L\` rows of \`dh\` float32 between strided layouts (the views of src and dst), rotating row \`l\` by
RoPE table row \`l\` when \`cos ≥ 0\`.`,
    args: [['heap', 'heap'], ['geometry', 'geometry:copyRows:2']],
  },
  {
    name: 'setThreads',
    argcError: 'darl-native setThreads: expected 1 argument',
    doc: 'Sets the thread count of every kernel (≥ 1).',
    args: [['n', 'int']],
  },
  {
    name: 'info',
    doc: 'Threads in use, CPUs the process may run on, and the compiled GEMM microkernel.',
    args: [],
    returns: [
      '{',
      '    /** Threads in use. */',
      '    threads: number;',
      '    /** CPUs the process may run on (its affinity mask). */',
      '    allowedCpus: number;',
      '    /** Name of the compiled GEMM microkernel. */',
      '    gemmKernel: string;',
      '  }',
    ].join('\n'),
  },
];
