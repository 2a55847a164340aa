/**
 * The WGSL programs of darl's fused attention on the tfjs webgpu backend.
 *
 * Every program gives one workgroup of {@link ROWS} threads to one (batch·head, row tile) item, one thread per row,
 * and walks the other side's rows in tiles held in workgroup memory (FlashAttention's blocking). Four programs:
 * - `stats`: per query row, the online max and sum of `exp` over the key tiles, written as `lse [BH, L]`;
 * - `values`: per query row, `out = Σⱼ exp(sᵢⱼ − lseᵢ) vⱼ` (exact probabilities from `lse`, no rescaling);
 * - `dq`: per query row, `dq = scale · Σⱼ pᵢⱼ (dy·vⱼ − Dᵢ) kⱼ` with `Dᵢ = dyᵢ·outᵢ`;
 * - `dkdv`: per key row, `dk = Σᵢ pᵢⱼ (dyᵢ·vⱼ − Dᵢ) (scale·qᵢ)` and `dv = Σᵢ pᵢⱼ dyᵢ`.
 * Scores are `sᵢⱼ = (scale · q̃ᵢ) · k̃ⱼ` (`q̃`, `k̃` rotated by RoPE as they are read), masked to `j ≤ S − L + i` when
 * causal. The `qkv` layout reads q, k and v from the fused projection `[B, L, 3, H, dh]` and addresses merged heads
 * `[B, L, H, dh]`; the `split` layout reads `[N, L, dh]` / `[N, S, dh]` tensors.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';

/** The fields of a tfjs-webgpu program (`WebGPUProgram` in `@tensorflow/tfjs-backend-webgpu`'s `webgpu_program`). */
export interface WebGpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms: string;
  getUserCode(): string;
}

/** Program-defined uniform values, in the order of {@link WebGpuProgram.uniforms}. */
export type ProgramUniforms = { type: 'int32' | 'float32'; data: number[] }[];

/** Threads (rows) per workgroup. */
export const ROWS = 64;

/** Shader key prefix of every program here (tests count dispatches by it). */
export const ATTENTION_SHADER_PREFIX = 'darlAttention';

/** Rows of the other side per tile: two `[tile, dh]` tiles and two `[tile]` vectors fit 16 KiB of workgroup memory. */
export function tileRows(dh: number): number {
  return Math.max(1, Math.min(ROWS, Math.floor(2048 / (dh + 1))));
}

/** What a program computes on. */
export interface AttentionGeometry {
  /** `qkv`: one `[B, L, 3·H·dh]` projection (S = L); `split`: separate `[N, L, dh]`, `[N, S, dh]` tensors (H = 1). */
  readonly layout: 'qkv' | 'split';
  /** Batch·heads items `B·H` (or `N`). */
  readonly BH: number;
  readonly H: number;
  readonly L: number;
  readonly S: number;
  readonly dh: number;
  readonly scale: number;
  readonly causal: boolean;
  /** RoPE sections (1 or 2) of the `cos`, `sin [L, dh]` inputs, 0 for none (qkv layout only). */
  readonly sections: number;
}

export type ProgramKind = 'stats' | 'values' | 'dq' | 'dkdv';

/** Which gradients a `dkdv` program writes: both into a `dqkv` output, or one into a `[N, S, dh]` output. */
export type KeyGradWrites = 'kv' | 'k' | 'v';

/**
 * Input names: the data tensors of the layout (and the RoPE tables), then what the kind reads besides. The `stats`
 * program of the split layout takes no values (a binding the shader does not read is an error in WebGPU).
 */
export function inputNames(g: AttentionGeometry, kind: ProgramKind): string[] {
  const data = g.layout === 'qkv' ? ['qkv', ...(g.sections > 0 ? ['ropeCos', 'ropeSin'] : [])] : ['qIn', 'kIn', 'vIn'];
  if (kind === 'stats') return g.layout === 'qkv' ? data : ['qIn', 'kIn'];
  if (kind === 'values') return [...data, 'rowLse'];
  return [...data, 'attnOut', 'rowLse', 'gradOut'];
}

/** `x[base + c]` rotated by table row `t` (`x ⊙ cos + swap(x) ⊙ sin`, a channel without a partner keeps `x ⊙ cos`). */
function ropeSnippet(g: AttentionGeometry): string {
  if (g.sections === 0) {
    return `fn rotated(base : i32, t : i32, c : i32) -> f32 { return qkv[base + c]; }
      fn unrotated(x : ptr<function, array<f32, DH>>, t : i32, c : i32) -> f32 { return (*x)[c]; }`;
  }
  return `
    const SECTION = DH / ${g.sections};
    const HALF = SECTION / 2;
    fn partner(c : i32) -> i32 {
      let o = c % SECTION;
      if (c >= SECTION * ${g.sections}) { return -1; }
      if (o < HALF) { return c + HALF; }
      if (o < 2 * HALF) { return c - HALF; }
      return -1;
    }
    fn rotated(base : i32, t : i32, c : i32) -> f32 {
      let p = partner(c);
      var y = qkv[base + c] * ropeCos[t * DH + c];
      if (p >= 0) { y = y + qkv[base + p] * ropeSin[t * DH + c]; }
      return y;
    }
    // The transposed rotation (the gradient of rotated): x ⊙ cos + swap(x ⊙ sin).
    fn unrotated(x : ptr<function, array<f32, DH>>, t : i32, c : i32) -> f32 {
      let p = partner(c);
      var y = (*x)[c] * ropeCos[t * DH + c];
      if (p >= 0) { y = y + (*x)[p] * ropeSin[t * DH + p]; }
      return y;
    }`;
}

/**
 * Readers of rotated q and k and of v (not for the split layout's `stats`, which has no values input), and the
 * element offsets of rows in merged and gradient tensors.
 */
function layoutSnippet(g: AttentionGeometry, values: boolean): string {
  if (g.layout === 'split') {
    return `
      fn qAt(bh : i32, i : i32, c : i32) -> f32 { return qIn[(bh * uniforms.L + i) * DH + c]; }
      fn kAt(bh : i32, j : i32, c : i32) -> f32 { return kIn[(bh * uniforms.S + j) * DH + c]; }
      ${values ? 'fn vAt(bh : i32, j : i32, c : i32) -> f32 { return vIn[(bh * uniforms.S + j) * DH + c]; }' : ''}
      fn rowAt(bh : i32, i : i32) -> i32 { return (bh * uniforms.L + i) * DH; }
      fn dqAt(bh : i32, i : i32) -> i32 { return (bh * uniforms.L + i) * DH; }
      fn dkAt(bh : i32, j : i32) -> i32 { return (bh * uniforms.S + j) * DH; }
      fn dvAt(bh : i32, j : i32) -> i32 { return (bh * uniforms.S + j) * DH; }
      fn unrotated(x : ptr<function, array<f32, DH>>, t : i32, c : i32) -> f32 { return (*x)[c]; }`;
  }
  return `
    const NH = ${g.H};
    const DM = NH * DH;
    // Offset of token t's part (0 q, 1 k, 2 v) of head bh % NH in qkv [B, L, 3, H, dh].
    fn partAt(part : i32, bh : i32, t : i32) -> i32 { return ((bh / NH * uniforms.L + t) * 3 + part) * DM + bh % NH * DH; }
    ${ropeSnippet(g)}
    fn qAt(bh : i32, i : i32, c : i32) -> f32 { return rotated(partAt(0, bh, i), i, c); }
    fn kAt(bh : i32, j : i32, c : i32) -> f32 { return rotated(partAt(1, bh, j), j, c); }
    fn vAt(bh : i32, j : i32, c : i32) -> f32 { return qkv[partAt(2, bh, j) + c]; }
    fn rowAt(bh : i32, i : i32) -> i32 { return (bh / NH * uniforms.L + i) * DM + bh % NH * DH; }
    fn dqAt(bh : i32, i : i32) -> i32 { return partAt(0, bh, i); }
    fn dkAt(bh : i32, j : i32) -> i32 { return partAt(1, bh, j); }
    fn dvAt(bh : i32, j : i32) -> i32 { return partAt(2, bh, j); }`;
}

/** Constants, the mask, the workgroup's item, and `dot_<tile>(x, r)`: `x · tile[r, :]` for each named tile. */
function commonSnippet(g: AttentionGeometry, tiles: string[], values = true): string {
  const dots = tiles.map(
    (t) => `fn dot_${t}(x : ptr<function, array<f32, DH>>, r : i32) -> f32 {
      var s = 0.0;
      for (var c = 0; c < DH; c++) { s = s + (*x)[c] * ${t}[r * DH + c]; }
      return s;
    }`,
  );
  return `
    const DH = ${g.dh};
    const ROWS = ${ROWS};
    const KT = ${tileRows(g.dh)};
    const CAUSAL = ${g.causal};
    ${tiles.map((t) => `var<workgroup> ${t} : array<f32, ${tileRows(g.dh) * g.dh}>;`).join('\n')}
    ${layoutSnippet(g, values)}
    // Keys [0, visible(i)) are those query row i attends to.
    fn visible(i : i32) -> i32 {
      if (CAUSAL) { return min(uniforms.S, uniforms.S - uniforms.L + i + 1); }
      return uniforms.S;
    }
    fn item() -> i32 { return i32(workgroupId.x + numWorkgroups.x * (workgroupId.y + numWorkgroups.y * workgroupId.z)); }
    ${dots.join('\n')}`;
}

/** Loads the rotated keys (and values) of rows `[j0, j0 + KT)` of item `bh` into the key tiles. */
function loadKeyTiles(withValues: boolean): string {
  return `
    for (var e = lid; e < KT * DH; e = e + ROWS) {
      let j = j0 + e / DH;
      if (j < uniforms.S) {
        kTile[e] = kAt(bh, j, e % DH);
        ${withValues ? 'vTile[e] = vAt(bh, j, e % DH);' : ''}
      }
    }`;
}

/** The query-row prologue shared by the query-side programs: the item, the row, its scaled rotated query. */
const QUERY_ROW = `
    let lid = i32(localId.x);
    let bh = item() / uniforms.rowTiles;
    let i0 = item() % uniforms.rowTiles * ROWS;
    let i = i0 + lid;
    let live = bh < uniforms.BH && i < uniforms.L;
    let n = visible(i);
    // Keys any row of this workgroup attends to (tiles past it are skipped).
    let reach = select(0, visible(min(i0 + ROWS, uniforms.L) - 1), bh < uniforms.BH);
    var q : array<f32, DH>;
    if (live) { for (var c = 0; c < DH; c++) { q[c] = qAt(bh, i, c) * uniforms.scale; } }`;

function statsCode(g: AttentionGeometry): string {
  return `${commonSnippet(g, ['kTile'], false)}
  fn main(index : i32) {
    ${QUERY_ROW}
    var m = -3.402823e38;
    var l = 0.0;
    for (var t = 0; t < uniforms.tiles; t++) {
      let j0 = t * KT;
      if (j0 < reach) { ${loadKeyTiles(false)} }
      workgroupBarrier();
      if (live) {
        for (var jj = 0; jj < min(KT, n - j0); jj++) {
          let s = dot_kTile(&q, jj);
          let mNew = max(m, s);
          l = l * exp(m - mNew) + exp(s - mNew);
          m = mNew;
        }
      }
      workgroupBarrier();
    }
    if (live) { result[bh * uniforms.L + i] = m + log(l); }
  }`;
}

function valuesCode(g: AttentionGeometry): string {
  return `${commonSnippet(g, ['kTile', 'vTile'])}
  fn main(index : i32) {
    ${QUERY_ROW}
    var acc : array<f32, DH>;
    var li = 0.0;
    if (live) { li = rowLse[bh * uniforms.L + i]; }
    for (var t = 0; t < uniforms.tiles; t++) {
      let j0 = t * KT;
      if (j0 < reach) { ${loadKeyTiles(true)} }
      workgroupBarrier();
      if (live) {
        for (var jj = 0; jj < min(KT, n - j0); jj++) {
          let p = exp(dot_kTile(&q, jj) - li);
          for (var c = 0; c < DH; c++) { acc[c] = acc[c] + p * vTile[jj * DH + c]; }
        }
      }
      workgroupBarrier();
    }
    if (live) { for (var c = 0; c < DH; c++) { result[rowAt(bh, i) + c] = acc[c]; } }
  }`;
}

function dqCode(g: AttentionGeometry): string {
  return `${commonSnippet(g, ['kTile', 'vTile'])}
  fn main(index : i32) {
    ${QUERY_ROW}
    var dy : array<f32, DH>;
    var grad : array<f32, DH>;
    var di = 0.0;
    var li = 0.0;
    if (live) {
      let r = rowAt(bh, i);
      for (var c = 0; c < DH; c++) { dy[c] = gradOut[r + c]; di = di + dy[c] * attnOut[r + c]; }
      li = rowLse[bh * uniforms.L + i];
    }
    for (var t = 0; t < uniforms.tiles; t++) {
      let j0 = t * KT;
      if (j0 < reach) { ${loadKeyTiles(true)} }
      workgroupBarrier();
      if (live) {
        for (var jj = 0; jj < min(KT, n - j0); jj++) {
          let p = exp(dot_kTile(&q, jj) - li);
          let ds = p * (dot_vTile(&dy, jj) - di);
          for (var c = 0; c < DH; c++) { grad[c] = grad[c] + ds * kTile[jj * DH + c]; }
        }
      }
      workgroupBarrier();
    }
    if (live) {
      for (var c = 0; c < DH; c++) { grad[c] = grad[c] * uniforms.scale; }
      for (var c = 0; c < DH; c++) { result[dqAt(bh, i) + c] = unrotated(&grad, i, c); }
    }
  }`;
}

/** Loads rows `[i0, i0 + KT)` of the scaled rotated queries and of `dy`, their `lse` and `D = dy·out`. */
const LOAD_QUERY_TILES = `
    for (var e = lid; e < KT * DH; e = e + ROWS) {
      let iq = i0 + e / DH;
      if (iq < uniforms.L) {
        qTile[e] = qAt(bh, iq, e % DH) * uniforms.scale;
        dyTile[e] = gradOut[rowAt(bh, iq) + e % DH];
      }
    }
    if (lid < KT && i0 + lid < uniforms.L) {
      let r = rowAt(bh, i0 + lid);
      var d = 0.0;
      for (var c = 0; c < DH; c++) { d = d + gradOut[r + c] * attnOut[r + c]; }
      dTile[lid] = d;
      lseTile[lid] = rowLse[bh * uniforms.L + i0 + lid];
    }`;

function dkdvCode(g: AttentionGeometry, writes: KeyGradWrites): string {
  const writeK = writes === 'v' ? '' : 'result[dkAt(bh, j) + c] = unrotated(&gk, j, c);';
  const writeV = writes === 'k' ? '' : 'result[dvAt(bh, j) + c] = gv[c];';
  return `${commonSnippet(g, ['qTile', 'dyTile'])}
  var<workgroup> dTile : array<f32, KT>;
  var<workgroup> lseTile : array<f32, KT>;
  fn main(index : i32) {
    let lid = i32(localId.x);
    let bh = item() / uniforms.rowTiles;
    let j0 = item() % uniforms.rowTiles * ROWS;
    let j = j0 + lid;
    let live = bh < uniforms.BH && j < uniforms.S;
    // The first query row that attends to a key of this workgroup (query tiles before it are skipped).
    let first = select(0, max(0, j0 - (uniforms.S - uniforms.L)), CAUSAL);
    var k : array<f32, DH>;
    var v : array<f32, DH>;
    var gk : array<f32, DH>;
    var gv : array<f32, DH>;
    if (live) { for (var c = 0; c < DH; c++) { k[c] = kAt(bh, j, c); v[c] = vAt(bh, j, c); } }
    for (var t = 0; t < uniforms.tiles; t++) {
      let i0 = t * KT;
      if (bh < uniforms.BH && i0 + KT > first) { ${LOAD_QUERY_TILES} }
      workgroupBarrier();
      if (live) {
        for (var ii = 0; ii < min(KT, uniforms.L - i0); ii++) {
          if (visible(i0 + ii) > j) {
            let p = exp(dot_qTile(&k, ii) - lseTile[ii]);
            let ds = p * (dot_dyTile(&v, ii) - dTile[ii]);
            for (var c = 0; c < DH; c++) {
              gv[c] = gv[c] + p * dyTile[ii * DH + c];
              gk[c] = gk[c] + ds * qTile[ii * DH + c];
            }
          }
        }
      }
      workgroupBarrier();
    }
    if (live) { for (var c = 0; c < DH; c++) { ${writeK} ${writeV} } }
  }`;
}

/**
 * The program of `kind` on geometry `g`, with its uniform values; `outputShape` is the shape of the tensor it writes
 * (the `dq`/`dkdv` programs of the qkv layout write parts of one `dqkv [B, L, 3·H·dh]`).
 */
export function attentionProgram(
  kind: ProgramKind,
  g: AttentionGeometry,
  outputShape: number[],
  writes: KeyGradWrites = 'kv',
): { program: WebGpuProgram; uniforms: ProgramUniforms } {
  const rows = kind === 'dkdv' ? g.S : g.L;
  const other = kind === 'dkdv' ? g.L : g.S;
  const rowTiles = Math.ceil(rows / ROWS);
  const code = { stats: statsCode, values: valuesCode, dq: dqCode, dkdv: (x: AttentionGeometry) => dkdvCode(x, writes) }[kind];
  const program: WebGpuProgram = {
    variableNames: inputNames(g, kind),
    outputShape,
    shaderKey: `${ATTENTION_SHADER_PREFIX}_${kind}_${g.layout}_dh${g.dh}_h${g.H}_${g.causal ? 'causal' : 'full'}_rope${g.sections}_${writes}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [g.BH * rowTiles, 1, 1],
    workgroupSize: [ROWS, 1, 1],
    uniforms: 'L : i32, S : i32, BH : i32, rowTiles : i32, tiles : i32, scale : f32,',
    getUserCode: () => code(g), // called only when the backend compiles a shader key it has not seen
  };
  const ints = [g.L, g.S, g.BH, rowTiles, Math.ceil(other / tileRows(g.dh))];
  return { program, uniforms: [...ints.map((x) => ({ type: 'int32' as const, data: [x] })), { type: 'float32', data: [g.scale] }] };
}
