// N-API entry points of @darl/native-kernels. Every kernel works in place on float32 data inside one ArrayBuffer (the
// wasm backend's heap), addressed by byte offsets, so no tensor is copied between JavaScript and C++.
#include <node_api.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "parallel.h"
#include "elementwise.h"
#include "sgemm.h"
#include "layer-norm.h"
#include "gelu.h"
#include "adamw.h"
#include "ema.h"
#include "reduce.h"

namespace {

#define NAPI_OK(call)                                  \
  do {                                                 \
    if ((call) != napi_ok) {                           \
      napi_throw_error(env, nullptr, "darl-native: " #call " failed"); \
      return nullptr;                                  \
    }                                                  \
  } while (0)

bool buffer_data(napi_env env, napi_value v, uint8_t** data, size_t* length) {
  bool is;
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) {
    void* p;
    if (napi_get_arraybuffer_info(env, v, &p, length) != napi_ok) return false;
    *data = static_cast<uint8_t*>(p);
    return true;
  }
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t n, offset;
    void* p;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &type, &n, &p, &ab, &offset) != napi_ok) return false;
    size_t elem = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array: elem = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
      default: break;
    }
    *data = static_cast<uint8_t*>(p);
    *length = n * elem;
    return true;
  }
  return false;
}

int64_t get_int(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}

bool get_bool(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

napi_value throw_range(napi_env env, const char* what) {
  napi_throw_range_error(env, nullptr, what);
  return nullptr;
}

/**
 * batchMatMul(heap, aOff, bOff, cOff, batch, M, N, K, transposeA, transposeB, aIdx, bIdx): for every output batch
 * item b, C_b[M, N] = op(A_{aIdx[b]}) · op(B_{bIdx[b]}); A items are [M, K] ([K, M] when transposed), B items [K, N]
 * ([N, K] when transposed), all row-major float32 at the given byte offsets of `heap`.
 */
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 12) return throw_range(env, "darl-native batchMatMul: expected 12 arguments");
  uint8_t* heap;
  size_t heapLen;
  if (!buffer_data(env, argv[0], &heap, &heapLen)) return throw_range(env, "darl-native batchMatMul: heap is not an ArrayBuffer");
  const int64_t aOff = get_int(env, argv[1]), bOff = get_int(env, argv[2]), cOff = get_int(env, argv[3]);
  const int64_t batch = get_int(env, argv[4]), M = get_int(env, argv[5]), N = get_int(env, argv[6]), K = get_int(env, argv[7]);
  const bool ta = get_bool(env, argv[8]), tb = get_bool(env, argv[9]);
  uint8_t *ai, *bi;
  size_t aiLen, biLen;
  if (!buffer_data(env, argv[10], &ai, &aiLen) || !buffer_data(env, argv[11], &bi, &biLen) ||
      aiLen < static_cast<size_t>(batch) * 4 || biLen < static_cast<size_t>(batch) * 4)
    return throw_range(env, "darl-native batchMatMul: aIdx/bIdx must be Int32Arrays of length batch");
  if (batch < 0 || M < 0 || N < 0 || K < 0 || aOff < 0 || bOff < 0 || cOff < 0 || (aOff | bOff | cOff) % 4 != 0)
    return throw_range(env, "darl-native batchMatMul: bad sizes or offsets");
  const int32_t* aIdx = reinterpret_cast<const int32_t*>(ai);
  const int32_t* bIdx = reinterpret_cast<const int32_t*>(bi);
  int64_t aItems = 0, bItems = 0;
  for (int64_t b = 0; b < batch; b++) {
    if (aIdx[b] < 0 || bIdx[b] < 0) return throw_range(env, "darl-native batchMatMul: negative batch index");
    if (aIdx[b] + 1 > aItems) aItems = aIdx[b] + 1;
    if (bIdx[b] + 1 > bItems) bItems = bIdx[b] + 1;
  }
  const uint64_t end = static_cast<uint64_t>(heapLen);
  if (static_cast<uint64_t>(aOff) + 4ull * aItems * M * K > end || static_cast<uint64_t>(bOff) + 4ull * bItems * K * N > end ||
      static_cast<uint64_t>(cOff) + 4ull * batch * M * N > end)
    return throw_range(env, "darl-native batchMatMul: operand out of the heap's bounds");
  const float* A = reinterpret_cast<const float*>(heap + aOff);
  const float* B = reinterpret_cast<const float*>(heap + bOff);
  float* C = reinterpret_cast<float*>(heap + cOff);
  darl::Operand a = ta ? darl::Operand{A, 1, M} : darl::Operand{A, K, 1};
  darl::Operand b = tb ? darl::Operand{B, 1, K} : darl::Operand{B, N, 1};
  darl::sgemm_batched(batch, M, N, K, a, M * K, aIdx, b, K * N, bIdx, C);
  return nullptr;
}


/** The heap and its length from argument i, or nullptr after throwing. */
struct Heap {
  uint8_t* p = nullptr;
  size_t len = 0;
};

bool get_heap(napi_env env, napi_value v, Heap* h) { return buffer_data(env, v, &h->p, &h->len); }

/** float32 pointer at byte offset `off` with `count` floats in bounds, else nullptr. */
float* at(const Heap& h, int64_t off, uint64_t count) {
  if (off < 0 || off % 4 != 0 || static_cast<uint64_t>(off) + 4 * count > h.len) return nullptr;
  return reinterpret_cast<float*>(h.p + off);
}

/** Reads an Int32Array of at most kMaxRank dims into out; returns its length or -1. */
int get_dims(napi_env env, napi_value v, int64_t* out) {
  uint8_t* p;
  size_t len;
  if (!buffer_data(env, v, &p, &len) || len % 4 != 0 || len / 4 > darl::kMaxRank) return -1;
  const int n = static_cast<int>(len / 4);
  for (int i = 0; i < n; i++) out[i] = reinterpret_cast<const int32_t*>(p)[i];
  return n;
}

#define ARGS(n)                                                    \
  size_t argc = n;                                                 \
  napi_value argv[n];                                              \
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr)); \
  if (argc != n) return throw_range(env, "darl-native: wrong number of arguments")

/** unary(heap, op, xOff, yOff, n) */
napi_value UnaryFn(napi_env env, napi_callback_info info) {
  ARGS(5);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native unary: heap is not an ArrayBuffer");
  const int64_t op = get_int(env, argv[1]), n = get_int(env, argv[4]);
  if (op < 0 || op > 7 || n < 0) return throw_range(env, "darl-native unary: bad op or size");
  const float* x = at(h, get_int(env, argv[2]), n);
  float* y = at(h, get_int(env, argv[3]), n);
  if (!x || !y) return throw_range(env, "darl-native unary: operand out of the heap's bounds");
  darl::unary(static_cast<darl::Unary>(op), x, y, n);
  return nullptr;
}

/** binary(heap, op, aOff, aStrides, bOff, bStrides, outOff, shape): strides and shape are Int32Arrays of one rank. */
napi_value BinaryFn(napi_env env, napi_callback_info info) {
  ARGS(8);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native binary: heap is not an ArrayBuffer");
  const int64_t op = get_int(env, argv[1]);
  int64_t as[darl::kMaxRank], bs[darl::kMaxRank], shape[darl::kMaxRank];
  const int ra = get_dims(env, argv[3], as), rb = get_dims(env, argv[5], bs), rank = get_dims(env, argv[7], shape);
  if (op < 0 || op > 6 || rank < 1 || ra != rank || rb != rank) return throw_range(env, "darl-native binary: bad op or ranks");
  uint64_t n = 1, aExt = 1, bExt = 1;
  for (int d = 0; d < rank; d++) {
    if (shape[d] <= 0) return nullptr;
    if (as[d] < 0 || bs[d] < 0) return throw_range(env, "darl-native binary: negative stride");
    n *= shape[d];
    aExt += (shape[d] - 1) * as[d];
    bExt += (shape[d] - 1) * bs[d];
  }
  const float* a = at(h, get_int(env, argv[2]), aExt);
  const float* b = at(h, get_int(env, argv[4]), bExt);
  float* out = at(h, get_int(env, argv[6]), n);
  if (!a || !b || !out) return throw_range(env, "darl-native binary: operand out of the heap's bounds");
  darl::binary(static_cast<darl::Binary>(op), a, as, b, bs, out, shape, rank);
  return nullptr;
}

/** slice(heap, xOff, shape, begin, size, outOff) */
napi_value SliceFn(napi_env env, napi_callback_info info) {
  ARGS(6);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native slice: heap is not an ArrayBuffer");
  int64_t shape[darl::kMaxRank], begin[darl::kMaxRank], size[darl::kMaxRank];
  const int rank = get_dims(env, argv[2], shape);
  if (rank < 1 || get_dims(env, argv[3], begin) != rank || get_dims(env, argv[4], size) != rank)
    return throw_range(env, "darl-native slice: bad ranks");
  uint64_t n = 1, total = 1;
  for (int d = 0; d < rank; d++) {
    if (begin[d] < 0 || size[d] < 0 || begin[d] + size[d] > shape[d]) return throw_range(env, "darl-native slice: box outside the input");
    n *= size[d];
    total *= shape[d];
  }
  if (n == 0) return nullptr;
  const float* x = at(h, get_int(env, argv[1]), total);
  float* out = at(h, get_int(env, argv[5]), n);
  if (!x || !out) return throw_range(env, "darl-native slice: operand out of the heap's bounds");
  darl::slice(x, shape, begin, size, rank, out);
  return nullptr;
}

/** sum(heap, xOff, rows, cols, outOff, inner): inner ? out[rows] = row sums : out[cols] = column sums. */
napi_value SumFn(napi_env env, napi_callback_info info) {
  ARGS(6);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native sum: heap is not an ArrayBuffer");
  const int64_t rows = get_int(env, argv[2]), cols = get_int(env, argv[3]);
  const bool inner = get_bool(env, argv[5]);
  if (rows < 0 || cols < 0) return throw_range(env, "darl-native sum: bad sizes");
  const float* x = at(h, get_int(env, argv[1]), static_cast<uint64_t>(rows) * cols);
  float* out = at(h, get_int(env, argv[4]), inner ? rows : cols);
  if (!x || !out) return throw_range(env, "darl-native sum: operand out of the heap's bounds");
  if (inner) darl::sum_inner(x, rows, cols, out);
  else darl::sum_outer(x, rows, cols, out);
  return nullptr;
}

double get_double(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}

/** Optional operand: byte offset −1 means none (nullptr, *ok stays true); else as `at`, *ok false when out of bounds. */
float* optional_at(const Heap& h, int64_t off, uint64_t count, bool* ok) {
  if (off == -1) return nullptr;
  float* p = at(h, off, count);
  if (!p) *ok = false;
  return p;
}

/** layerNorm(heap, xOff, gammaOff, betaOff, eps, rows, cols, yOff, meanOff, rstdOff); gamma/beta −1 for none. */
napi_value LayerNormFn(napi_env env, napi_callback_info info) {
  ARGS(10);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native layerNorm: heap is not an ArrayBuffer");
  const int64_t rows = get_int(env, argv[5]), cols = get_int(env, argv[6]);
  const double eps = get_double(env, argv[4]);
  if (rows < 0 || cols < 0 || !(eps >= 0)) return throw_range(env, "darl-native layerNorm: bad sizes or eps");
  const uint64_t n = static_cast<uint64_t>(rows) * cols;
  bool ok = true;
  const float* x = at(h, get_int(env, argv[1]), n);
  const float* gamma = optional_at(h, get_int(env, argv[2]), cols, &ok);
  const float* beta = optional_at(h, get_int(env, argv[3]), cols, &ok);
  float* y = at(h, get_int(env, argv[7]), n);
  float* mean = at(h, get_int(env, argv[8]), rows);
  float* rstd = at(h, get_int(env, argv[9]), rows);
  if (!ok || !x || !y || !mean || !rstd) return throw_range(env, "darl-native layerNorm: operand out of the heap's bounds");
  darl::layer_norm_forward(x, gamma, beta, static_cast<float>(eps), rows, cols, y, mean, rstd);
  return nullptr;
}

/** layerNormGrad(heap, dyOff, xOff, gammaOff, meanOff, rstdOff, rows, cols, dxOff, dgammaOff, dbetaOff); −1 for none. */
napi_value LayerNormGradFn(napi_env env, napi_callback_info info) {
  ARGS(11);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native layerNormGrad: heap is not an ArrayBuffer");
  const int64_t rows = get_int(env, argv[6]), cols = get_int(env, argv[7]);
  if (rows < 0 || cols < 0) return throw_range(env, "darl-native layerNormGrad: bad sizes");
  const uint64_t n = static_cast<uint64_t>(rows) * cols;
  bool ok = true;
  const float* dy = at(h, get_int(env, argv[1]), n);
  const float* x = at(h, get_int(env, argv[2]), n);
  const float* gamma = optional_at(h, get_int(env, argv[3]), cols, &ok);
  const float* mean = at(h, get_int(env, argv[4]), rows);
  const float* rstd = at(h, get_int(env, argv[5]), rows);
  float* dx = at(h, get_int(env, argv[8]), n);
  float* dgamma = optional_at(h, get_int(env, argv[9]), cols, &ok);
  float* dbeta = optional_at(h, get_int(env, argv[10]), cols, &ok);
  if (!ok || !dy || !x || !mean || !rstd || !dx) return throw_range(env, "darl-native layerNormGrad: operand out of the heap's bounds");
  darl::layer_norm_backward(dy, x, gamma, mean, rstd, rows, cols, dx, dgamma, dbeta);
  return nullptr;
}

/** gelu(heap, xOff, biasOff, rows, cols, yOff); bias −1 for none. */
napi_value GeluFn(napi_env env, napi_callback_info info) {
  ARGS(6);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native gelu: heap is not an ArrayBuffer");
  const int64_t rows = get_int(env, argv[3]), cols = get_int(env, argv[4]);
  if (rows < 0 || cols < 0) return throw_range(env, "darl-native gelu: bad sizes");
  const uint64_t n = static_cast<uint64_t>(rows) * cols;
  bool ok = true;
  const float* x = at(h, get_int(env, argv[1]), n);
  const float* bias = optional_at(h, get_int(env, argv[2]), cols, &ok);
  float* y = at(h, get_int(env, argv[5]), n);
  if (!ok || !x || !y) return throw_range(env, "darl-native gelu: operand out of the heap's bounds");
  darl::gelu_forward(x, bias, rows, cols, y);
  return nullptr;
}

/** geluGrad(heap, dyOff, xOff, biasOff, rows, cols, dxOff, dbiasOff); bias and dbias −1 for none. */
napi_value GeluGradFn(napi_env env, napi_callback_info info) {
  ARGS(8);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native geluGrad: heap is not an ArrayBuffer");
  const int64_t rows = get_int(env, argv[4]), cols = get_int(env, argv[5]);
  if (rows < 0 || cols < 0) return throw_range(env, "darl-native geluGrad: bad sizes");
  const uint64_t n = static_cast<uint64_t>(rows) * cols;
  bool ok = true;
  const float* dy = at(h, get_int(env, argv[1]), n);
  const float* x = at(h, get_int(env, argv[2]), n);
  const float* bias = optional_at(h, get_int(env, argv[3]), cols, &ok);
  float* dx = at(h, get_int(env, argv[6]), n);
  float* dbias = optional_at(h, get_int(env, argv[7]), cols, &ok);
  if (!ok || !dy || !x || !dx) return throw_range(env, "darl-native geluGrad: operand out of the heap's bounds");
  darl::gelu_backward(dy, x, bias, rows, cols, dx, dbias);
  return nullptr;
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

/**
 * adamw(heap, offsets, sizes, decay, stepScale, constants): offsets [p, g, m, v] per tensor (see tensor_list),
 * decay and stepScale Float32Arrays (count), constants a Float32Array [β₁, 1 − β₁, β₂, 1 − β₂, √(1 − β₂ᵗ), ε].
 */
napi_value AdamWFn(napi_env env, napi_callback_info info) {
  ARGS(6);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native adamw: heap is not an ArrayBuffer");
  std::vector<float*> q;
  std::vector<int64_t> sizes;
  if (const char* err = tensor_list(env, h, argv[1], argv[2], 4, &q, &sizes)) return throw_range(env, (std::string("darl-native adamw: ") + err).c_str());
  const size_t count = sizes.size();
  const float* decay = floats(env, argv[3], count);
  const float* stepScale = floats(env, argv[4], count);
  const float* c = floats(env, argv[5], 6);
  if (!decay || !stepScale || !c) return throw_range(env, "darl-native adamw: decay, stepScale or constants have the wrong length");
  std::vector<float*> p(count), m(count), v(count);
  std::vector<const float*> g(count);
  for (size_t i = 0; i < count; i++) {
    p[i] = q[4 * i];
    g[i] = q[4 * i + 1];
    m[i] = q[4 * i + 2];
    v[i] = q[4 * i + 3];
  }
  const darl::AdamWStep s{c[0], c[1], c[2], c[3], c[4], c[5]};
  darl::adamw_update(static_cast<int64_t>(count), p.data(), g.data(), m.data(), v.data(), sizes.data(), decay, stepScale, s);
  return nullptr;
}

/** emaUpdate(heap, offsets, sizes, decay, oneMinusDecay): offsets [shadow, param] per tensor (see tensor_list). */
napi_value EmaUpdateFn(napi_env env, napi_callback_info info) {
  ARGS(5);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native emaUpdate: heap is not an ArrayBuffer");
  std::vector<float*> q;
  std::vector<int64_t> sizes;
  if (const char* err = tensor_list(env, h, argv[1], argv[2], 2, &q, &sizes)) return throw_range(env, (std::string("darl-native emaUpdate: ") + err).c_str());
  const size_t count = sizes.size();
  std::vector<float*> sh(count);
  std::vector<const float*> p(count);
  for (size_t i = 0; i < count; i++) {
    sh[i] = q[2 * i];
    p[i] = q[2 * i + 1];
  }
  darl::ema_update(static_cast<int64_t>(count), sh.data(), p.data(), sizes.data(), static_cast<float>(get_double(env, argv[3])),
                   static_cast<float>(get_double(env, argv[4])));
  return nullptr;
}

/** sumSquares(heap, offsets, sizes, outOff): out[i] = Σ x_i² (float64 accumulation) for one operand per tensor. */
napi_value SumSquaresFn(napi_env env, napi_callback_info info) {
  ARGS(4);
  Heap h;
  if (!get_heap(env, argv[0], &h)) return throw_range(env, "darl-native sumSquares: heap is not an ArrayBuffer");
  std::vector<float*> x;
  std::vector<int64_t> sizes;
  if (const char* err = tensor_list(env, h, argv[1], argv[2], 1, &x, &sizes)) return throw_range(env, (std::string("darl-native sumSquares: ") + err).c_str());
  float* out = at(h, get_int(env, argv[3]), sizes.size());
  if (!out) return throw_range(env, "darl-native sumSquares: output out of the heap's bounds");
  std::vector<const float*> xc(x.begin(), x.end());
  darl::sum_squares(static_cast<int64_t>(sizes.size()), xc.data(), sizes.data(), out);
  return nullptr;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 1) return throw_range(env, "darl-native setThreads: expected 1 argument");
  darl::set_threads(static_cast<int>(get_int(env, argv[0])));
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  NAPI_OK(napi_create_object(env, &obj));
  NAPI_OK(napi_create_int32(env, darl::num_threads(), &v));
  NAPI_OK(napi_set_named_property(env, obj, "threads", v));
  NAPI_OK(napi_create_int32(env, darl::allowed_cpus(), &v));
  NAPI_OK(napi_set_named_property(env, obj, "allowedCpus", v));
  NAPI_OK(napi_create_string_utf8(env, darl::sgemm_kernel_name(), NAPI_AUTO_LENGTH, &v));
  NAPI_OK(napi_set_named_property(env, obj, "gemmKernel", v));
  return obj;
}

napi_value Init(napi_env env, napi_value exports) {
  darl::set_threads(darl::allowed_cpus());
  const napi_property_descriptor props[] = {
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, UnaryFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, BinaryFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"slice", nullptr, SliceFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sum", nullptr, SumFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNorm", nullptr, LayerNormFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormGrad", nullptr, LayerNormGradFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gelu", nullptr, GeluFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"geluGrad", nullptr, GeluGradFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamw", nullptr, AdamWFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"emaUpdate", nullptr, EmaUpdateFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumSquares", nullptr, SumSquaresFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
