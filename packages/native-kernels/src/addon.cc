// N-API entry points of @darl/native-kernels. Every kernel works in place on float32 data inside one ArrayBuffer (the
// wasm backend's heap), addressed by byte offsets, so no tensor is copied between JavaScript and C++. Names, argument
// layouts, op codes and geometry layouts come from kernel-table.mjs (through kernels.generated.h); each entry point
// reads its arguments through Call (napi-call.h).
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels.generated.h"
#include "napi-call.h"
#include "parallel.h"
#include "attention.h"
#include "elementwise.h"
#include "sgemm.h"
#include "layer-norm.h"
#include "adamw.h"
#include "ema.h"
#include "reduce.h"

namespace darl {
namespace {

#define NAPI_OK(call)                                  \
  do {                                                 \
    if ((call) != napi_ok) {                           \
      napi_throw_error(env, nullptr, "darl-native: " #call " failed"); \
      return nullptr;                                  \
    }                                                  \
  } while (0)

/** Reads an Int32Array of at most kMaxRank dims into out; returns its length or -1. */
int get_dims(napi_env env, napi_value v, int64_t* out) {
  uint8_t* p;
  size_t len;
  if (!buffer_data(env, v, &p, &len) || len % 4 != 0 || len / 4 > kMaxRank) return -1;
  const int n = static_cast<int>(len / 4);
  for (int i = 0; i < n; i++) out[i] = reinterpret_cast<const int32_t*>(p)[i];
  return n;
}

/**
 * Reads a list of `count` tensors with `k` operands each: offsets a Float64Array of k·count byte offsets (operand
 * `o` of tensor `i` at [k·i + o]), sizes a Float64Array of count element counts. Fills ptrs (k·count) and sizes;
 * returns nullptr, or what is wrong.
 */
const char* tensor_list(napi_env env, const Heap& h, napi_value offsetsArg, napi_value sizesArg, int k,
                        std::vector<float*>* ptrs, std::vector<int64_t>* sizes) {
  uint8_t *po, *ps;
  size_t lo, ls;
  if (!buffer_data(env, offsetsArg, &po, &lo) || !buffer_data(env, sizesArg, &ps, &ls)) return "offsets and sizes must be Float64Arrays";
  const size_t count = ls / 8;
  if (lo != 8 * k * count) return "offsets must hold one byte offset per operand of each tensor";
  const double* offsets = reinterpret_cast<const double*>(po);
  const double* sz = reinterpret_cast<const double*>(ps);
  ptrs->resize(k * count);
  sizes->resize(count);
  for (size_t i = 0; i < count; i++) {
    if (!(sz[i] >= 0) || sz[i] > 9007199254740991.0) return "bad size";
    (*sizes)[i] = static_cast<int64_t>(sz[i]);
    for (int o = 0; o < k; o++) {
      float* p = at(h, static_cast<int64_t>(offsets[k * i + o]), (*sizes)[i]);
      if (!p) return "operand out of the heap's bounds";
      (*ptrs)[k * i + o] = p;
    }
  }
  return nullptr;
}

/** A Float32Array argument of exactly n values, or nullptr. */
const float* floats(napi_env env, napi_value v, size_t n) {
  uint8_t* p;
  size_t len;
  if (!buffer_data(env, v, &p, &len) || len != 4 * n) return nullptr;
  return reinterpret_cast<const float*>(p);
}

/** The float64 fields of a geometry array of exactly `fields` values, or nullptr. */
const double* geometry_array(napi_env env, napi_value v, size_t fields) {
  uint8_t* p;
  size_t len;
  if (!buffer_data(env, v, &p, &len) || len != sizeof(double) * fields) return nullptr;
  return reinterpret_cast<const double*>(p);
}

/** Checks a [B, H, rows] set of strided rows of dh floats at byte offset off and returns its first float (or null). */
float* rows_at(const Heap& h, int64_t off, int64_t B, int64_t H, int64_t rows, int64_t dh, int64_t sb, int64_t sh, int64_t sl) {
  if (sb < 0 || sh < 0 || sl < 0) return nullptr;
  const bool empty = B == 0 || H == 0 || rows == 0 || dh == 0;
  const uint64_t extent = empty ? 0 : (B - 1) * sb + (H - 1) * sh + (rows - 1) * sl + dh;
  return at(h, off, extent);
}

/**
 * An attention call read from its geometry (layout geometry::Attention, then per tensor geometry::View: q, k, v, out,
 * and for the backward dout, dq, dk, dv). cos < 0: no RoPE. Every tensor is checked to lie inside the heap.
 */
struct AttentionCall {
  AttentionDims d;
  Rotary rope;
  float* lse;
  float* base[8];
  int64_t strides[8][3];
};

template <class K>
bool get_attention_call(const Call<K>& call, int tensors, AttentionCall* c) {
  using G = geometry::Attention;
  using V = geometry::View;
  const double* g = geometry_array(call.env, call.argv[K::geometry], G::kHeader + V::kFields * tensors);
  if (!g) return call.fail("bad geometry array"), false;
  auto I = [&](int i) { return static_cast<int64_t>(g[i]); };
  c->d = AttentionDims{I(G::B), I(G::H), I(G::L), I(G::S), I(G::dh), static_cast<float>(g[G::scale]), g[G::causal] != 0};
  const AttentionDims& d = c->d;
  const int64_t sections = I(G::sections);
  if (d.B < 0 || d.H < 0 || d.L < 0 || d.S < 0 || d.dh < 0 || (d.causal && d.S < d.L) || (d.L > 0 && d.S == 0) ||
      sections < 1 || (I(G::cos) >= 0 && d.dh % (2 * sections) != 0)) {
    return call.fail("bad sizes (causal attention needs S >= L, queries need keys, RoPE needs dh divisible by 2 * sections)"), false;
  }
  const Heap& h = call.heap;
  if (I(G::cos) >= 0) {
    c->rope.keys = g[G::rotateKeys] != 0;
    const uint64_t tableRows = c->rope.keys ? std::max(d.L, d.S) : d.L;  // query i uses row i, key j row j
    c->rope.cos = at(h, I(G::cos), tableRows * d.dh);
    c->rope.sin = at(h, I(G::sin), tableRows * d.dh);
    c->rope.sections = sections;
    if (!c->rope.cos || !c->rope.sin) return call.fail("RoPE tables out of the heap's bounds"), false;
  }
  c->lse = at(h, I(G::lse), static_cast<uint64_t>(d.B) * d.H * d.L);
  if (!c->lse) return call.fail("lse out of the heap's bounds"), false;
  for (int t = 0; t < tensors; t++) {
    const int view = G::kHeader + V::kFields * t;
    const int64_t off = I(view + V::offset), sb = I(view + V::sb), sh = I(view + V::sh), sl = I(view + V::sl);
    // q, out, dout and dq have L rows; k, v, dk and dv S rows (tensor order q k v out dout dq dk dv).
    const int64_t rows = (t == 1 || t == 2 || t == 6 || t == 7) ? d.S : d.L;
    c->base[t] = rows_at(h, off, d.B, d.H, rows, d.dh, sb, sh, sl);
    c->strides[t][0] = sb;
    c->strides[t][1] = sh;
    c->strides[t][2] = sl;
    if (!c->base[t]) return call.fail("operand out of the heap's bounds"), false;
  }
  return true;
}

template <class F>
Rows<F> rows_of(const AttentionCall& c, int t) {
  return Rows<F>{c.base[t], c.strides[t][0], c.strides[t][1], c.strides[t][2]};
}

}  // namespace

namespace entry {

/**
 * batchMatMul: for every output batch item b, C_b[M, N] = op(A_{aIdx[b]}) · op(B_{bIdx[b]}); A items are [M, K]
 * ([K, M] when transposed), B items [K, N] ([N, K] when transposed), all row-major float32 at the given byte offsets.
 */
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  using Args = arg::BatchMatMul;
  Call<Args> c;
  if (!c.read(env, info)) return nullptr;
  const size_t heapLen = c.heap.len;
  uint8_t* heap = c.heap.p;
  const int64_t aOff = c.i64(Args::aOff), bOff = c.i64(Args::bOff), cOff = c.i64(Args::cOff);
  const int64_t batch = c.i64(Args::batch), M = c.i64(Args::M), N = c.i64(Args::N), K = c.i64(Args::K);
  const bool ta = c.flag(Args::transposeA), tb = c.flag(Args::transposeB);
  uint8_t *ai, *bi;
  size_t aiLen, biLen;
  if (!buffer_data(env, c.argv[Args::aIdx], &ai, &aiLen) || !buffer_data(env, c.argv[Args::bIdx], &bi, &biLen) ||
      aiLen < static_cast<size_t>(batch) * 4 || biLen < static_cast<size_t>(batch) * 4)
    return c.fail("aIdx/bIdx must be Int32Arrays of length batch");
  if (batch < 0 || M < 0 || N < 0 || K < 0 || aOff < 0 || bOff < 0 || cOff < 0 || (aOff | bOff | cOff) % 4 != 0)
    return c.fail("bad sizes or offsets");
  const int32_t* aIdx = reinterpret_cast<const int32_t*>(ai);
  const int32_t* bIdx = reinterpret_cast<const int32_t*>(bi);
  int64_t aItems = 0, bItems = 0;
  for (int64_t b = 0; b < batch; b++) {
    if (aIdx[b] < 0 || bIdx[b] < 0) return c.fail("negative batch index");
    if (aIdx[b] + 1 > aItems) aItems = aIdx[b] + 1;
    if (bIdx[b] + 1 > bItems) bItems = bIdx[b] + 1;
  }
  const uint64_t end = static_cast<uint64_t>(heapLen);
  if (static_cast<uint64_t>(aOff) + 4ull * aItems * M * K > end || static_cast<uint64_t>(bOff) + 4ull * bItems * K * N > end ||
      static_cast<uint64_t>(cOff) + 4ull * batch * M * N > end)
    return c.fail("operand out of the heap's bounds");
  const float* A = reinterpret_cast<const float*>(heap + aOff);
  const float* B = reinterpret_cast<const float*>(heap + bOff);
  float* C = reinterpret_cast<float*>(heap + cOff);
  Operand a = ta ? Operand{A, 1, M} : Operand{A, K, 1};
  Operand b = tb ? Operand{B, 1, K} : Operand{B, N, 1};
  sgemm_batched(batch, M, N, K, a, M * K, aIdx, b, K * N, bIdx, C);
  return nullptr;
}

napi_value Unary(napi_env env, napi_callback_info info) {
  using K = arg::Unary;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  const int64_t op = c.i64(K::op), n = c.i64(K::n);
  if (op < 0 || op >= kUnaryCount || n < 0) return c.fail("bad op or size");
  const float* x = c.floats(K::xOff, n);
  float* y = c.floats(K::yOff, n);
  if (!x || !y) return c.fail("operand out of the heap's bounds");
  unary(static_cast<darl::Unary>(op), x, y, n);
  return nullptr;
}

/** binary: strides and shape are Int32Arrays of one rank. */
napi_value Binary(napi_env env, napi_callback_info info) {
  using K = arg::Binary;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  const int64_t op = c.i64(K::op);
  int64_t as[kMaxRank], bs[kMaxRank], shape[kMaxRank];
  const int ra = get_dims(env, c.argv[K::aStrides], as), rb = get_dims(env, c.argv[K::bStrides], bs), rank = get_dims(env, c.argv[K::shape], shape);
  if (op < 0 || op >= kBinaryCount || rank < 1 || ra != rank || rb != rank) return c.fail("bad op or ranks");
  uint64_t n = 1, aExt = 1, bExt = 1;
  for (int d = 0; d < rank; d++) {
    if (shape[d] <= 0) return nullptr;
    if (as[d] < 0 || bs[d] < 0) return c.fail("negative stride");
    n *= shape[d];
    aExt += (shape[d] - 1) * as[d];
    bExt += (shape[d] - 1) * bs[d];
  }
  const float* a = c.floats(K::aOff, aExt);
  const float* b = c.floats(K::bOff, bExt);
  float* out = c.floats(K::outOff, n);
  if (!a || !b || !out) return c.fail("operand out of the heap's bounds");
  binary(static_cast<darl::Binary>(op), a, as, b, bs, out, shape, rank);
  return nullptr;
}

napi_value Slice(napi_env env, napi_callback_info info) {
  using K = arg::Slice;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  int64_t shape[kMaxRank], begin[kMaxRank], size[kMaxRank];
  const int rank = get_dims(env, c.argv[K::shape], shape);
  if (rank < 1 || get_dims(env, c.argv[K::begin], begin) != rank || get_dims(env, c.argv[K::size], size) != rank)
    return c.fail("bad ranks");
  uint64_t n = 1, total = 1;
  for (int d = 0; d < rank; d++) {
    if (begin[d] < 0 || size[d] < 0 || begin[d] + size[d] > shape[d]) return c.fail("box outside the input");
    n *= size[d];
    total *= shape[d];
  }
  if (n == 0) return nullptr;
  const float* x = c.floats(K::xOff, total);
  float* out = c.floats(K::outOff, n);
  if (!x || !out) return c.fail("operand out of the heap's bounds");
  slice(x, shape, begin, size, rank, out);
  return nullptr;
}

/** sum: inner ? out[rows] = row sums : out[cols] = column sums. */
napi_value Sum(napi_env env, napi_callback_info info) {
  using K = arg::Sum;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  const int64_t rows = c.i64(K::rows), cols = c.i64(K::cols);
  const bool inner = c.flag(K::inner);
  if (rows < 0 || cols < 0) return c.fail("bad sizes");
  const float* x = c.floats(K::xOff, static_cast<uint64_t>(rows) * cols);
  float* out = c.floats(K::outOff, inner ? rows : cols);
  if (!x || !out) return c.fail("operand out of the heap's bounds");
  if (inner) sum_inner(x, rows, cols, out);
  else sum_outer(x, rows, cols, out);
  return nullptr;
}

napi_value LayerNorm(napi_env env, napi_callback_info info) {
  using K = arg::LayerNorm;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  const int64_t rows = c.i64(K::rows), cols = c.i64(K::cols);
  const double eps = c.f64(K::eps);
  if (rows < 0 || cols < 0 || !(eps >= 0)) return c.fail("bad sizes or eps");
  const uint64_t n = static_cast<uint64_t>(rows) * cols;
  bool ok = true;
  const float* x = c.floats(K::xOff, n);
  const float* gamma = c.optional(K::gammaOff, cols, &ok);
  const float* beta = c.optional(K::betaOff, cols, &ok);
  float* y = c.floats(K::yOff, n);
  float* mean = c.floats(K::meanOff, rows);
  float* rstd = c.floats(K::rstdOff, rows);
  if (!ok || !x || !y || !mean || !rstd) return c.fail("operand out of the heap's bounds");
  layer_norm_forward(x, gamma, beta, static_cast<float>(eps), rows, cols, y, mean, rstd);
  return nullptr;
}

napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  using K = arg::LayerNormGrad;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  const int64_t rows = c.i64(K::rows), cols = c.i64(K::cols);
  if (rows < 0 || cols < 0) return c.fail("bad sizes");
  const uint64_t n = static_cast<uint64_t>(rows) * cols;
  bool ok = true;
  const float* dy = c.floats(K::dyOff, n);
  const float* x = c.floats(K::xOff, n);
  const float* gamma = c.optional(K::gammaOff, cols, &ok);
  const float* mean = c.floats(K::meanOff, rows);
  const float* rstd = c.floats(K::rstdOff, rows);
  float* dx = c.floats(K::dxOff, n);
  float* dgamma = c.optional(K::dgammaOff, cols, &ok);
  float* dbeta = c.optional(K::dbetaOff, cols, &ok);
  if (!ok || !dy || !x || !mean || !rstd || !dx) return c.fail("operand out of the heap's bounds");
  layer_norm_backward(dy, x, gamma, mean, rstd, rows, cols, dx, dgamma, dbeta);
  return nullptr;
}

/** adamw: decay and stepScale Float32Arrays (count), constants [β₁, 1 − β₁, β₂, 1 − β₂, √(1 − β₂ᵗ), ε]. */
napi_value AdamW(napi_env env, napi_callback_info info) {
  using K = arg::AdamW;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  std::vector<float*> q;
  std::vector<int64_t> sizes;
  if (const char* err = tensor_list(env, c.heap, c.argv[K::offsets], c.argv[K::sizes], 4, &q, &sizes)) return c.fail(err);
  const size_t count = sizes.size();
  const float* decay = floats(env, c.argv[K::decay], count);
  const float* stepScale = floats(env, c.argv[K::stepScale], count);
  const float* k = floats(env, c.argv[K::constants], 6);
  if (!decay || !stepScale || !k) return c.fail("decay, stepScale or constants have the wrong length");
  std::vector<float*> p(count), m(count), v(count);
  std::vector<const float*> g(count);
  for (size_t i = 0; i < count; i++) {
    p[i] = q[4 * i];
    g[i] = q[4 * i + 1];
    m[i] = q[4 * i + 2];
    v[i] = q[4 * i + 3];
  }
  const AdamWStep s{k[0], k[1], k[2], k[3], k[4], k[5]};
  adamw_update(static_cast<int64_t>(count), p.data(), g.data(), m.data(), v.data(), sizes.data(), decay, stepScale, s);
  return nullptr;
}

/** emaUpdate: offsets [shadow, param] per tensor (see tensor_list). */
napi_value EmaUpdate(napi_env env, napi_callback_info info) {
  using K = arg::EmaUpdate;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  std::vector<float*> q;
  std::vector<int64_t> sizes;
  if (const char* err = tensor_list(env, c.heap, c.argv[K::offsets], c.argv[K::sizes], 2, &q, &sizes)) return c.fail(err);
  const size_t count = sizes.size();
  std::vector<float*> sh(count);
  std::vector<const float*> p(count);
  for (size_t i = 0; i < count; i++) {
    sh[i] = q[2 * i];
    p[i] = q[2 * i + 1];
  }
  ema_update(static_cast<int64_t>(count), sh.data(), p.data(), sizes.data(), static_cast<float>(c.f64(K::decay)),
             static_cast<float>(c.f64(K::oneMinusDecay)));
  return nullptr;
}

/** sumSquares: out[i] = Σ x_i² (float64 accumulation) for one operand per tensor. */
napi_value SumSquares(napi_env env, napi_callback_info info) {
  using K = arg::SumSquares;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  std::vector<float*> x;
  std::vector<int64_t> sizes;
  if (const char* err = tensor_list(env, c.heap, c.argv[K::offsets], c.argv[K::sizes], 1, &x, &sizes)) return c.fail(err);
  float* out = c.floats(K::outOff, sizes.size());
  if (!out) return c.fail("output out of the heap's bounds");
  std::vector<const float*> xc(x.begin(), x.end());
  sum_squares(static_cast<int64_t>(sizes.size()), xc.data(), sizes.data(), out);
  return nullptr;
}

/** attentionForward: tensors q, k, v, out. */
napi_value AttentionForward(napi_env env, napi_callback_info info) {
  Call<arg::AttentionForward> call;
  if (!call.read(env, info)) return nullptr;
  AttentionCall c;
  if (!get_attention_call(call, 4, &c)) return nullptr;
  attention_forward(c.d, c.rope, rows_of<const float>(c, 0), rows_of<const float>(c, 1), rows_of<const float>(c, 2),
                    rows_of<float>(c, 3), c.lse);
  return nullptr;
}

/** attentionBackward: tensors q, k, v, out, dout, dq, dk, dv. */
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  Call<arg::AttentionBackward> call;
  if (!call.read(env, info)) return nullptr;
  AttentionCall c;
  if (!get_attention_call(call, 8, &c)) return nullptr;
  attention_backward(c.d, c.rope, rows_of<const float>(c, 0), rows_of<const float>(c, 1), rows_of<const float>(c, 2),
                     rows_of<const float>(c, 3), c.lse, rows_of<const float>(c, 4), rows_of<float>(c, 5),
                     rows_of<float>(c, 6), rows_of<float>(c, 7));
  return nullptr;
}

/** copyRows: row (b, h, l) of dst = row (b, h, l) of src, rotated by RoPE table row l when cos >= 0. */
napi_value CopyRows(napi_env env, napi_callback_info info) {
  using K = arg::CopyRows;
  using G = geometry::CopyRows;
  using V = geometry::View;
  Call<K> c;
  if (!c.read(env, info)) return nullptr;
  const double* g = geometry_array(env, c.argv[K::geometry], G::kHeader + 2 * V::kFields);
  if (!g) return c.fail("bad geometry array");
  auto I = [&](int i) { return static_cast<int64_t>(g[i]); };
  const int64_t B = I(G::B), H = I(G::H), L = I(G::L), dh = I(G::dh), sections = I(G::sections);
  if (B < 0 || H < 0 || L < 0 || dh < 0 || sections < 1 || (I(G::cos) >= 0 && dh % (2 * sections) != 0))
    return c.fail("bad sizes");
  Rotary rope;
  if (I(G::cos) >= 0) {
    rope.cos = at(c.heap, I(G::cos), static_cast<uint64_t>(L) * dh);
    rope.sin = at(c.heap, I(G::sin), static_cast<uint64_t>(L) * dh);
    rope.sections = sections;
    if (!rope.cos || !rope.sin) return c.fail("RoPE tables out of the heap's bounds");
  }
  const int src = G::kHeader, dst = G::kHeader + V::kFields;
  const int64_t ssb = I(src + V::sb), ssh = I(src + V::sh), ssl = I(src + V::sl);
  const int64_t dsb = I(dst + V::sb), dsh = I(dst + V::sh), dsl = I(dst + V::sl);
  float* s = rows_at(c.heap, I(src + V::offset), B, H, L, dh, ssb, ssh, ssl);
  float* d = rows_at(c.heap, I(dst + V::offset), B, H, L, dh, dsb, dsh, dsl);
  if (!s || !d) return c.fail("operand out of the heap's bounds");
  copy_rows(B, H, L, dh, rope, Rows<const float>{s, ssb, ssh, ssl}, Rows<float>{d, dsb, dsh, dsl});
  return nullptr;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Call<arg::SetThreads> c;
  if (!c.read(env, info, false)) return nullptr;
  set_threads(static_cast<int>(c.i64(arg::SetThreads::n)));
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  NAPI_OK(napi_create_object(env, &obj));
  NAPI_OK(napi_create_int32(env, num_threads(), &v));
  NAPI_OK(napi_set_named_property(env, obj, "threads", v));
  NAPI_OK(napi_create_int32(env, allowed_cpus(), &v));
  NAPI_OK(napi_set_named_property(env, obj, "allowedCpus", v));
  NAPI_OK(napi_create_string_utf8(env, sgemm_kernel_name(), NAPI_AUTO_LENGTH, &v));
  NAPI_OK(napi_set_named_property(env, obj, "gemmKernel", v));
  return obj;
}

}  // namespace entry

namespace {

/** Registers every entry point of the table (DARL_NATIVE_KERNELS, generated from kernel-table.mjs). */
napi_value Init(napi_env env, napi_value exports) {
  set_threads(allowed_cpus());
#define DARL_PROPERTY(name, entryPoint) {name, nullptr, entry::entryPoint, nullptr, nullptr, nullptr, napi_default, nullptr},
  const napi_property_descriptor props[] = {DARL_NATIVE_KERNELS(DARL_PROPERTY)};
#undef DARL_PROPERTY
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace
}  // namespace darl

NAPI_MODULE(NODE_GYP_MODULE_NAME, darl::Init)
