// Reading an entry point's arguments: the one helper every N-API entry point uses. `Call<arg::X>` (arg::X from the
// generated kernels.generated.h) checks the argument count and the heap, and reads arguments by their table names:
//
//   napi_value entry::Gelu(napi_env env, napi_callback_info info) {
//     using K = arg::Gelu;
//     Call<K> c;
//     if (!c.read(env, info)) return nullptr;
//     const float* x = c.floats(K::xOff, n);  // nullptr when outside the heap
//     ...
//     if (!x) return c.fail("operand out of the heap's bounds");  // RangeError "darl-native gelu: ..."
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels.generated.h"

namespace darl {

/** The bytes of an ArrayBuffer or typed array argument; false if it is neither. */
inline bool buffer_data(napi_env env, napi_value v, uint8_t** data, size_t* length) {
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

inline int64_t get_int(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}

inline bool get_bool(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

inline double get_double(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}

inline napi_value throw_range(napi_env env, const char* what) {
  napi_throw_range_error(env, nullptr, what);
  return nullptr;
}

/** The heap (the ArrayBuffer every kernel works in) and its length in bytes. */
struct Heap {
  uint8_t* p = nullptr;
  size_t len = 0;
};

/** float32 pointer at byte offset `off` with `count` floats in bounds, else nullptr. */
inline float* at(const Heap& h, int64_t off, uint64_t count) {
  if (off < 0 || off % 4 != 0 || static_cast<uint64_t>(off) + 4 * count > h.len) return nullptr;
  return reinterpret_cast<float*>(h.p + off);
}

/** Optional operand: byte offset −1 means none (nullptr, *ok stays true); else as `at`, *ok false when out of bounds. */
inline float* optional_at(const Heap& h, int64_t off, uint64_t count, bool* ok) {
  if (off == -1) return nullptr;
  float* p = at(h, off, count);
  if (!p) *ok = false;
  return p;
}

/** One call of entry point K (a struct of the generated namespace arg): its arguments and, for kernels, the heap. */
template <class K>
struct Call {
  napi_env env = nullptr;
  napi_value argv[K::kCount];
  Heap heap;

  /**
   * Reads exactly K::kCount arguments, then (withHeap) the heap from argument 0. False after throwing: K::kArgcError
   * on a wrong count, "darl-native <label>: heap is not an ArrayBuffer" on a bad heap.
   */
  bool read(napi_env e, napi_callback_info info, bool withHeap = true) {
    env = e;
    size_t argc = K::kCount;
    if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) {
      napi_throw_error(env, nullptr, "darl-native: napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) failed");
      return false;
    }
    if (argc != K::kCount) return throw_range(env, K::kArgcError), false;
    if (withHeap && !buffer_data(env, argv[0], &heap.p, &heap.len)) return fail("heap is not an ArrayBuffer"), false;
    return true;
  }

  int64_t i64(int i) const { return get_int(env, argv[i]); }
  double f64(int i) const { return get_double(env, argv[i]); }
  bool flag(int i) const { return get_bool(env, argv[i]); }
  /** The float32 operand at the byte offset in argument i, `count` floats inside the heap, else nullptr. */
  float* floats(int i, uint64_t count) const { return at(heap, i64(i), count); }
  /** As floats, but offset −1 gives nullptr with *ok unchanged; out of bounds sets *ok false. */
  float* optional(int i, uint64_t count, bool* ok) const { return optional_at(heap, i64(i), count, ok); }
  /** Throws the RangeError "darl-native <label>: <what>"; returns nullptr. */
  napi_value fail(const std::string& what) const {
    return throw_range(env, (std::string("darl-native ") + K::kLabel + ": " + what).c_str());
  }
};

}  // namespace darl
