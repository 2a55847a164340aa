#include "attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fast-math.h"
#include "parallel.h"

// Layout for vectorisation: the keys (and, in the backward pass, the values and the key/value gradients) of one
// (b, h) item are held transposed, [dh][Sp], so that every inner loop runs over keys — contiguous, one SIMD lane per
// key — and a query row's scores, probabilities and their gradients are plain vectors. Sp is S rounded up to whole
// vectors, the padding zero, and a row's loops run over whole vectors too (masked keys get probability 0), so no
// loop ends in a scalar remainder (with causal rows of 1..S keys, remainders would be most of the work).

namespace darl {
namespace {

/** y[0, n) = x[0, n), inlined (the rows are short: a libc call per row costs more than the copy). */
inline void copy(const float* x, float* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) y[i] = x[i];
}

constexpr int64_t kRowBlock = 16;  // query rows per parallel work item in the forward pass
constexpr int64_t kLanes = 16;     // keys are padded to multiples of this (one AVX-512 vector)

inline int64_t padded(int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

/** Keys query row i may attend to: [0, visible). */
inline int64_t visible_keys(const AttentionDims& d, int64_t i) { return d.causal ? std::min(d.S, d.S - d.L + i + 1) : d.S; }

/**
 * y = x ⊙ cos + swap(x) ⊙ sin (swap exchanges the halves of each section) for table row t; with `inverse`, the
 * transposed rotation y = x ⊙ cos + swap(x ⊙ sin) (the gradient of the forward one). Without tables, a copy.
 */
inline void rotate(const Rotary& r, int64_t t, int64_t dh, const float* x, float* y, bool inverse) {
  if (!r.cos) {
    copy(x, y, dh);
    return;
  }
  const float* c = r.cos + t * dh;
  const float* s = r.sin + t * dh;
  const int64_t m = dh / r.sections, half = m / 2;
  for (int64_t sec = 0; sec < r.sections; sec++) {
    for (int64_t j = sec * m; j < sec * m + half; j++) {
      const int64_t o = j + half;
      if (inverse) {
        y[j] = x[j] * c[j] + x[o] * s[o];
        y[o] = x[o] * c[o] + x[j] * s[j];
      } else {
        y[j] = x[j] * c[j] + x[o] * s[j];
        y[o] = x[o] * c[o] + x[j] * s[o];
      }
    }
  }
}

/** Writes row x (dh values) as column j of the [dh][S] array t. */
inline void put_column(const float* x, float* t, int64_t j, int64_t dh, int64_t S) {
  for (int64_t c = 0; c < dh; c++) t[c * S + j] = x[c];
}

/**
 * out[0, kLanes) = Σ_{i < count} coef[i] · mat[i · stride + (0, kLanes)]: one vector of dot products, accumulated in
 * registers (a loop that adds into memory instead is bound by store-to-load latency).
 */
inline void dot_lanes(const float* coef, const float* mat, int64_t count, int64_t stride, float* out) {
  float acc[kLanes] = {};
  for (int64_t i = 0; i < count; i++) {
    const float a = coef[i];
    const float* row = mat + i * stride;
#pragma omp simd
    for (int64_t t = 0; t < kLanes; t++) acc[t] += a * row[t];
  }
#pragma omp simd
  for (int64_t t = 0; t < kLanes; t++) out[t] = acc[t];
}

/** s[0, nv) = q · kt[:, 0, nv) for the transposed keys kt [dh][Sp] (nv a multiple of kLanes). */
inline void scores_of(const float* q, const float* kt, int64_t dh, int64_t Sp, int64_t nv, float* s) {
  for (int64_t j0 = 0; j0 < nv; j0 += kLanes) dot_lanes(q, kt + j0, dh, Sp, s + j0);
}

/** y[0, dh) = Σ_{j < n} w[j] · rows[j][0, dh) for rows [S][dhp] (dhp = dh padded to kLanes). */
inline void mix_rows(const float* w, const float* rows, int64_t n, int64_t dh, int64_t dhp, float* y) {
  float tmp[kLanes];
  for (int64_t c0 = 0; c0 < dh; c0 += kLanes) {
    dot_lanes(w, rows + c0, n, dhp, tmp);
    copy(tmp, y + c0, std::min(kLanes, dh - c0));
  }
}

}  // namespace

void attention_forward(const AttentionDims& d, const Rotary& rope, Rows<const float> q, Rows<const float> k,
                       Rows<const float> v, Rows<float> out, float* lse) {
  const int64_t blocks = (d.L + kRowBlock - 1) / kRowBlock;
  const int64_t dh = d.dh, S = d.S, Sp = padded(S), dhp = padded(dh);
  const Rotary keys_rope = rope.keys ? rope : Rotary{};
  const double cost = static_cast<double>(std::min(d.L, kRowBlock)) * S * dh * 0.25;  // ns: 0.25 per q·k·channel
  parallel_for(d.B * d.H * blocks, cost, [&](int64_t begin, int64_t end) {
    std::vector<float> kt(dh * Sp, 0.f), vp(S * dhp, 0.f), p(Sp), qi(dh), rot(dh);
    int64_t cached = -1;  // the (b, h) whose keys are in kt and values in vp
    for (int64_t item = begin; item < end; item++) {
      const int64_t bh = item / blocks, b = bh / d.H, h = bh % d.H;
      const int64_t r0 = (item % blocks) * kRowBlock, r1 = std::min(d.L, r0 + kRowBlock);
      if (cached != bh) {  // consecutive items share (b, h): gather its keys (rotated, transposed) and values once
        for (int64_t j = 0; j < S; j++) {
          rotate(keys_rope, j, dh, k.row(b, h, j), rot.data(), false);
          put_column(rot.data(), kt.data(), j, dh, Sp);
          copy(v.row(b, h, j), &vp[j * dhp], dh);
        }
        cached = bh;
      }
      for (int64_t i = r0; i < r1; i++) {
        float* oi = out.row(b, h, i);
        const int64_t n = visible_keys(d, i), nv = padded(n);
        // Scale the query first, as the composite path does (scale · q, then the product with k).
        rotate(rope, i, dh, q.row(b, h, i), qi.data(), false);
        for (int64_t c = 0; c < dh; c++) qi[c] *= d.scale;
        scores_of(qi.data(), kt.data(), dh, Sp, nv, p.data());
        float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
        for (int64_t j = 0; j < n; j++) m = std::max(m, p[j]);
        float l = 0.f;
#pragma omp simd reduction(+ : l)
        for (int64_t j = 0; j < nv; j++) {
          p[j] = j < n ? exp_f(p[j] - m) : 0.f;
          l += p[j];
        }
        const float inv = 1.f / l;
#pragma omp simd
        for (int64_t j = 0; j < n; j++) p[j] *= inv;
        mix_rows(p.data(), vp.data(), n, dh, dhp, oi);
        lse[bh * d.L + i] = m + std::log(l);
      }
    }
  });
}

void attention_backward(const AttentionDims& d, const Rotary& rope, Rows<const float> q, Rows<const float> k,
                        Rows<const float> v, Rows<const float> out, const float* lse, Rows<const float> dout,
                        Rows<float> dq, Rows<float> dk, Rows<float> dv) {
  const int64_t dh = d.dh, S = d.S, Sp = padded(S), dhp = padded(dh);
  const Rotary keys_rope = rope.keys ? rope : Rotary{};
  const double cost = static_cast<double>(d.L) * S * dh * 1.3;  // ns: 1.3 per q·k·channel (measured with the forward)
  parallel_for(d.B * d.H, cost, [&](int64_t begin, int64_t end) {
    std::vector<float> kt(dh * Sp, 0.f), vt(dh * Sp, 0.f), kp(S * dhp, 0.f), dkt(dh * Sp), dvt(dh * Sp), p(Sp), ds(Sp), qi(dh),
        dqi(dh), rot(dh);
    for (int64_t bh = begin; bh < end; bh++) {
      const int64_t b = bh / d.H, h = bh % d.H;
      for (int64_t j = 0; j < S; j++) {
        rotate(keys_rope, j, dh, k.row(b, h, j), rot.data(), false);
        put_column(rot.data(), kt.data(), j, dh, Sp);
        copy(rot.data(), &kp[j * dhp], dh);
        put_column(v.row(b, h, j), vt.data(), j, dh, Sp);
      }
      std::fill(dkt.begin(), dkt.end(), 0.f);
      std::fill(dvt.begin(), dvt.end(), 0.f);
      for (int64_t i = 0; i < d.L; i++) {
        const int64_t n = visible_keys(d, i), nv = padded(n);
        const float* doi = dout.row(b, h, i);
        // Scores s = (scale · q̃) · k̃ as in the forward pass; p = exp(s − lse), 0 for masked keys.
        rotate(rope, i, dh, q.row(b, h, i), qi.data(), false);
        for (int64_t c = 0; c < dh; c++) qi[c] *= d.scale;
        scores_of(qi.data(), kt.data(), dh, Sp, nv, p.data());
        const float li = lse[bh * d.L + i];
#pragma omp simd
        for (int64_t j = 0; j < nv; j++) p[j] = j < n ? exp_f(p[j] - li) : 0.f;
        // dp_j = dout · v_j; ds_j = p_j (dp_j − Σ_j' p_j' dp_j'), and Σ_j p_j dp_j = dout · out.
        scores_of(doi, vt.data(), dh, Sp, nv, ds.data());
        float Di = 0.f;
        const float* oi = out.row(b, h, i);
#pragma omp simd reduction(+ : Di)
        for (int64_t c = 0; c < dh; c++) Di += doi[c] * oi[c];
#pragma omp simd
        for (int64_t j = 0; j < nv; j++) ds[j] = p[j] * (ds[j] - Di);
        // d(scale·q̃) = Σ_j ds_j k̃_j; dk̃_j += ds_j (scale·q̃); dv_j += p_j dout.
        mix_rows(ds.data(), kp.data(), n, dh, dhp, dqi.data());
        for (int64_t c = 0; c < dh; c++) {
          dqi[c] *= d.scale;
          const float a = qi[c], g = doi[c];
          float* dkr = &dkt[c * Sp];
          float* dvr = &dvt[c * Sp];
#pragma omp simd
          for (int64_t j = 0; j < nv; j++) {
            dkr[j] += ds[j] * a;
            dvr[j] += p[j] * g;
          }
        }
        rotate(rope, i, dh, dqi.data(), dq.row(b, h, i), true);
      }
      for (int64_t j = 0; j < S; j++) {
        float* dvj = dv.row(b, h, j);
        for (int64_t c = 0; c < dh; c++) {
          rot[c] = dkt[c * Sp + j];
          dvj[c] = dvt[c * Sp + j];
        }
        rotate(keys_rope, j, dh, rot.data(), dk.row(b, h, j), true);
      }
    }
  });
}

void copy_rows(int64_t B, int64_t H, int64_t L, int64_t dh, const Rotary& rope, Rows<const float> src, Rows<float> dst) {
  parallel_for(B * H, static_cast<double>(L) * dh * 0.2, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; bh++) {
      for (int64_t l = 0; l < L; l++) rotate(rope, l, dh, src.row(bh / H, bh % H, l), dst.row(bh / H, bh % H, l), false);
    }
  });
}

}  // namespace darl
