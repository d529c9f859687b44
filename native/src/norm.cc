// Normalisation kernels shared by batch, instance and group norm. The input is viewed as
// [N, G, Cg, S] with channels c = g*Cg + cg (C = G*Cg). Statistics are per g over (N, Cg, S) when
// `perN` is false (batch norm: Cg = 1) or per (n, g) over (Cg, S) when it is true (instance norm:
// Cg = 1; group norm). Weight and bias are per channel. Accumulation is in double: float sums over
// large 3D volumes lose digits. Shapes are checked in src/backend/norm.ts.
// GCC 12 flags the _mm*_undefined_* placeholders inside its own AVX-512 headers (a false positive).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#if defined(__x86_64__) || defined(__i386__)
#define ACS_X86 1
#include <immintrin.h>
#else
#define ACS_X86 0
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu.h"
#include "napi_args.h"
#include "registry.h"
#include "threadpool.h"

namespace acs {
namespace {

struct Layout {
  int64_t N, G, Cg, S;
  bool per_n;
  int64_t stats() const { return per_n ? N * G : G; }
  int64_t count() const { return per_n ? Cg * S : N * Cg * S; }
  // Calls fn(block pointer offset, channel) for each contiguous S-long block of stat group k.
  template <typename F>
  void each_block(int64_t k, F fn) const {
    if (per_n) {
      int64_t n = k / G, g = k % G;
      for (int64_t cg = 0; cg < Cg; ++cg) fn(((n * G + g) * Cg + cg) * S, g * Cg + cg);
    } else {
      for (int64_t n = 0; n < N; ++n)
        for (int64_t cg = 0; cg < Cg; ++cg) fn(((n * G + k) * Cg + cg) * S, k * Cg + cg);
    }
  }
};

Layout layout_from(const Napi::CallbackInfo& info, size_t i) {
  auto v = ints(info, i);  // [N, G, Cg, S, perN]
  return {v[0], v[1], v[2], v[3], v[4] != 0};
}

// Reductions and the affine map over one contiguous block, vectorised with AVX-512 where isa() allows
// it (double lanes for the sums) and plain loops otherwise. Every block is one (n, channel)
// slice of S floats, so work splits over N * C blocks: more parallelism than channels alone, and
// per-block partial sums that are combined afterwards need no atomics.

// The forward's affine map of one block, y = scale · (x − mean) + bias, when a ReLU was fused after it.
struct FusedRelu {
  float scale, mean, bias;
};

// Each kernel below is a plain body compiled once per instruction-set level from the same source, so each
// level vectorises it as far as it can: NAME_generic everywhere, NAME_avx2 and NAME_avx512 on x86, and
// NAME choosing by isa(). One target per level matters beyond speed: with a fused ReLU, the backward
// recomputes the forward's affine map s·(x − m) + b to find its mask, and the two agree bit for bit only
// if both contract it into an FMA alike (avx512f implies FMA in GCC; AVX2 gets it named).
#if ACS_X86
#define ACS_NORM_AVX2 __attribute__((target("avx2,fma")))
#define ACS_NORM_AVX512 __attribute__((target("avx512f")))
// NAME_avx2 from NAME_body, and NAME dispatching to NAME_avx512, NAME_avx2 or NAME_generic.
#define ACS_NORM_BELOW_AVX512(NAME, PARAMS, ARGS)                       \
  void NAME##_generic PARAMS { NAME##_body ARGS; }                      \
  ACS_NORM_AVX2 void NAME##_avx2 PARAMS { NAME##_body ARGS; }           \
  inline void NAME PARAMS {                                             \
    if (isa_has(Isa::kAvx512)) return NAME##_avx512 ARGS;               \
    if (isa_has(Isa::kAvx2)) return NAME##_avx2 ARGS;                   \
    NAME##_generic ARGS;                                                \
  }
#define ACS_NORM_ALL_LEVELS(NAME, PARAMS, ARGS)                         \
  ACS_NORM_AVX512 void NAME##_avx512 PARAMS { NAME##_body ARGS; }       \
  ACS_NORM_BELOW_AVX512(NAME, PARAMS, ARGS)
#else
#define ACS_NORM_BELOW_AVX512(NAME, PARAMS, ARGS)  \
  inline void NAME PARAMS { NAME##_body ARGS; }
#define ACS_NORM_ALL_LEVELS(NAME, PARAMS, ARGS) ACS_NORM_BELOW_AVX512(NAME, PARAMS, ARGS)
#endif

// Σ (x - K) and Σ (x - K)² — one pass; the shift K (a sample of the group) keeps the variance
// E[(x-K)²] - E[x-K]² from cancelling when the mean is large against the spread. AVX-512 sums in double
// lanes by hand; the plain body keeps eight independent partial sums per quantity, since one chain of
// dependent double additions costs ≈ 4 cycles an element (≈ 12× the AVX-512 time of a UNet step's batch-norm
// backward) and independent lanes let the compiler vectorise the loop.
#if ACS_X86
__attribute__((target("avx512f"))) void shifted_sums_avx512(const float* x, int64_t n, float K, double* s1, double* s2) {
  const __m512 kv = _mm512_set1_ps(K);
  __m512d a0 = _mm512_setzero_pd(), a1 = a0, q0 = a0, q1 = a0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_sub_ps(_mm512_loadu_ps(x + i), kv);
    __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
    __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    a0 = _mm512_add_pd(a0, lo);
    a1 = _mm512_add_pd(a1, hi);
    q0 = _mm512_fmadd_pd(lo, lo, q0);
    q1 = _mm512_fmadd_pd(hi, hi, q1);
  }
  double t1 = _mm512_reduce_add_pd(_mm512_add_pd(a0, a1)), t2 = _mm512_reduce_add_pd(_mm512_add_pd(q0, q1));
  for (; i < n; ++i) {
    double d = static_cast<double>(x[i] - K);
    t1 += d;
    t2 += d * d;
  }
  *s1 = t1;
  *s2 = t2;
}
#endif

inline __attribute__((always_inline)) void shifted_sums_body(const float* x, int64_t n, float K, double* s1, double* s2) {
  double p1[8] = {0, 0, 0, 0, 0, 0, 0, 0}, p2[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      const double d = static_cast<double>(x[i + j] - K);
      p1[j] += d;
      p2[j] += d * d;
    }
  }
  double t1 = 0, t2 = 0;
  for (int j = 0; j < 8; ++j) {
    t1 += p1[j];
    t2 += p2[j];
  }
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i] - K);
    t1 += d;
    t2 += d * d;
  }
  *s1 = t1;
  *s2 = t2;
}
ACS_NORM_BELOW_AVX512(shifted_sums, (const float* x, int64_t n, float K, double* s1, double* s2), (x, n, K, s1, s2))

// Σ dy and Σ dy * (x - m).
// With r (a ReLU fused after the forward's affine map), dy counts only where that map's output was > 0,
// as after the unfused ReLU's backward. The output is recomputed from x, which this pass reads anyway,
// with the forward's operations in the forward's order, so the mask is the one the forward applied.
#if ACS_X86
__attribute__((target("avx512f"))) void grad_sums_avx512(const float* x, const float* dy, const FusedRelu* r, int64_t n,
                                                        float m, double* sdy, double* sdyx) {
  const __m512 mv = _mm512_set1_ps(m);
  const __m512 rs = _mm512_set1_ps(r ? r->scale : 0.f), rb = _mm512_set1_ps(r ? r->bias : 0.f);
  __m512d a0 = _mm512_setzero_pd(), a1 = a0, q0 = a0, q1 = a0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 xc = _mm512_sub_ps(_mm512_loadu_ps(x + i), mv);
    __m512 g;
    if (r) {
      const __m512 v = _mm512_add_ps(_mm512_mul_ps(rs, xc), rb);
      g = _mm512_maskz_loadu_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ), dy + i);
    } else {
      g = _mm512_loadu_ps(dy + i);
    }
    __m512d glo = _mm512_cvtps_pd(_mm512_castps512_ps256(g));
    __m512d ghi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(g), 1)));
    __m512d xlo = _mm512_cvtps_pd(_mm512_castps512_ps256(xc));
    __m512d xhi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(xc), 1)));
    a0 = _mm512_add_pd(a0, glo);
    a1 = _mm512_add_pd(a1, ghi);
    q0 = _mm512_fmadd_pd(glo, xlo, q0);
    q1 = _mm512_fmadd_pd(ghi, xhi, q1);
  }
  double t1 = _mm512_reduce_add_pd(_mm512_add_pd(a0, a1)), t2 = _mm512_reduce_add_pd(_mm512_add_pd(q0, q1));
  for (; i < n; ++i) {
    const float g = r && !(r->scale * (x[i] - m) + r->bias > 0.0f) ? 0.0f : dy[i];
    t1 += g;
    t2 += static_cast<double>(g) * static_cast<double>(x[i] - m);
  }
  *sdy = t1;
  *sdyx = t2;
}
#endif

template <bool kRelu>
inline __attribute__((always_inline)) void grad_sums_loop(const float* x, const float* dy, const FusedRelu* r, int64_t n,
                                                          float m, double* sdy, double* sdyx) {
  const float rs = kRelu ? r->scale : 0.f, rb = kRelu ? r->bias : 0.f;
  // The ReLU's mask as a bit mask on dy (0 or dy exactly, NaN included), so the loop has no branch and
  // vectorises.
  const auto grad = [&](int64_t i) {
    if (!kRelu) return dy[i];
    uint32_t bits;
    std::memcpy(&bits, dy + i, sizeof bits);
    bits &= rs * (x[i] - m) + rb > 0.0f ? 0xFFFFFFFFu : 0u;
    float g;
    std::memcpy(&g, &bits, sizeof g);
    return g;
  };
  double p1[8] = {0, 0, 0, 0, 0, 0, 0, 0}, p2[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      const float g = grad(i + j);
      p1[j] += g;
      p2[j] += static_cast<double>(g) * static_cast<double>(x[i + j] - m);
    }
  }
  double t1 = 0, t2 = 0;
  for (int j = 0; j < 8; ++j) {
    t1 += p1[j];
    t2 += p2[j];
  }
  for (; i < n; ++i) {
    const float g = grad(i);
    t1 += g;
    t2 += static_cast<double>(g) * static_cast<double>(x[i] - m);
  }
  *sdy = t1;
  *sdyx = t2;
}
inline __attribute__((always_inline)) void grad_sums_body(const float* x, const float* dy, const FusedRelu* r, int64_t n,
                                                          float m, double* sdy, double* sdyx) {
  if (r) {
    grad_sums_loop<true>(x, dy, r, n, m, sdy, sdyx);
  } else {
    grad_sums_loop<false>(x, dy, r, n, m, sdy, sdyx);
  }
}
ACS_NORM_BELOW_AVX512(grad_sums, (const float* x, const float* dy, const FusedRelu* r, int64_t n, float m, double* sdy,
                                  double* sdyx), (x, dy, r, n, m, sdy, sdyx))

// out = a * u + b * (v - m) + c, or a * (u - m) + c without v; the compiler vectorises these loops.
// Centring before scaling keeps digits when the mean is large against the spread.
inline __attribute__((always_inline)) void affine_body(const float* __restrict u, const float* __restrict v, int64_t n,
                                                       float a, float b, float m, float c, float* __restrict out) {
  if (v) {
    for (int64_t i = 0; i < n; ++i) out[i] = a * u[i] + (b * (v[i] - m) + c);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = a * (u[i] - m) + c;
  }
}
ACS_NORM_ALL_LEVELS(affine, (const float* u, const float* v, int64_t n, float a, float b, float m, float c, float* out),
                    (u, v, n, a, b, m, c, out))

// The dx pass behind a fused ReLU: affine's map of u = dy where the forward's output r.scale · (x −
// r.mean) + r.bias was > 0, and 0 elsewhere; v = x when `centred` (batch statistics), else none.
inline __attribute__((always_inline)) void affine_relu_body(const float* __restrict dy, const float* __restrict x, int64_t n,
                                                            float a, float b, float m, float c, bool centred, FusedRelu r,
                                                            float* __restrict out) {
  for (int64_t i = 0; i < n; ++i) {
    const float u = r.scale * (x[i] - r.mean) + r.bias > 0.0f ? dy[i] : 0.0f;
    out[i] = centred ? a * u + (b * (x[i] - m) + c) : a * (u - m) + c;
  }
}
ACS_NORM_ALL_LEVELS(affine_relu, (const float* dy, const float* x, int64_t n, float a, float b, float m, float c,
                                  bool centred, FusedRelu r, float* out), (dy, x, n, a, b, m, c, centred, r, out))

// A ReLU fused after the affine map, with torch.relu's semantics: y = v if v > 0 or v is NaN, else 0.
inline __attribute__((always_inline)) void relu_inplace_body(float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = y[i];
    y[i] = (v > 0.0f || v != v) ? v : 0.0f;
  }
}
ACS_NORM_ALL_LEVELS(relu_inplace, (float* y, int64_t n), (y, n))

// Block b = n * C + c starts at b * S; its statistics group.
inline int64_t group_of(const Layout& L, int64_t b) {
  const int64_t C = L.G * L.Cg, n = b / C, g = (b % C) / L.Cg;
  return L.per_n ? n * L.G + g : g;
}

// normStats(x, layout, mean, var): biased variance from one pass of shifted double sums per block.
Napi::Value NormStats(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  Layout L = layout_from(info, 1);
  float* mean = f32(info, 2);
  float* var = f32(info, 3);
  const int64_t C = L.G * L.Cg, nb = L.N * C;
  std::vector<float> shift(static_cast<size_t>(L.stats()), 0.f);
  for (int64_t k = 0; k < L.stats(); ++k) {
    bool first = true;
    L.each_block(k, [&](int64_t off, int64_t) {
      if (first && L.S > 0) shift[k] = x[off], first = false;
    });
  }
  std::vector<double> s1(static_cast<size_t>(nb)), s2(static_cast<size_t>(nb));
  parallel_for(nb, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) shifted_sums(x + i * L.S, L.S, shift[group_of(L, i)], &s1[i], &s2[i]);
  });
  std::vector<double> t1(static_cast<size_t>(L.stats()), 0.0), t2(static_cast<size_t>(L.stats()), 0.0);
  for (int64_t i = 0; i < nb; ++i) t1[group_of(L, i)] += s1[i], t2[group_of(L, i)] += s2[i];
  for (int64_t k = 0; k < L.stats(); ++k) {
    const double cnt = static_cast<double>(L.count());
    const double d = cnt > 0 ? t1[k] / cnt : 0.0;
    const double v = cnt > 0 ? t2[k] / cnt - d * d : 0.0;
    mean[k] = static_cast<float>(shift[k] + d);
    var[k] = static_cast<float>(v > 0 ? v : 0.0);
  }
  return info.Env().Undefined();
}

// normApply(x, layout, mean, invstd, weight|null, bias|null, y, relu): y = (x - mean) * invstd * w + b,
// then max(y, 0) with `relu` (fused: the block is still in cache, and no separate activation pass).
Napi::Value NormApply(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  Layout L = layout_from(info, 1);
  const float* mean = f32(info, 2);
  const float* invstd = f32(info, 3);
  const float* w = f32_or_null(info, 4);
  const float* bias = f32_or_null(info, 5);
  float* y = f32(info, 6);
  const bool relu = flag(info, 7);
  const int64_t C = L.G * L.Cg;
  parallel_for(L.N * C, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t k = group_of(L, i), c = i % C;
      float scale = invstd[k] * (w ? w[c] : 1.f);
      affine(x + i * L.S, nullptr, L.S, scale, 0.f, mean[k], bias ? bias[c] : 0.f, y + i * L.S);
      if (relu) relu_inplace(y + i * L.S, L.S);
    }
  });
  return info.Env().Undefined();
}

// normBackward(x, dy, layout, mean, invstd, weight|null, batchStats, dx|null, dw|null, db|null, relu, bias|null).
// One reduction pass gives per-block Σdy and Σdy(x-m); they are db, dw and the two projection
// terms that batch statistics add to dx. A second pass writes dx. With `relu`, the forward fused a ReLU
// (normApply's flag, with this bias) and dy is the gradient of its output: both passes take dy only where
// the forward's affine output was > 0, recomputed from x exactly as normApply computed it.
Napi::Value NormBackward(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  const float* dy = f32(info, 1);
  Layout L = layout_from(info, 2);
  const float* mean = f32(info, 3);
  const float* invstd = f32(info, 4);
  const float* w = f32_or_null(info, 5);
  bool batch_stats = flag(info, 6);
  float* dx = f32_or_null(info, 7);
  float* dw = f32_or_null(info, 8);
  float* db = f32_or_null(info, 9);
  const bool relu = flag(info, 10);
  const float* bias = f32_or_null(info, 11);
  // The forward's map of block i (normApply's scale and shift, in its float operations).
  auto fused = [&](int64_t i) {
    const int64_t k = group_of(L, i), c = i % (L.G * L.Cg);
    return FusedRelu{invstd[k] * (w ? w[c] : 1.f), mean[k], bias ? bias[c] : 0.f};
  };
  const int64_t C = L.G * L.Cg, nb = L.N * C;
  const bool need_sums = dw || db || (dx && batch_stats);
  std::vector<double> sdy(static_cast<size_t>(nb), 0.0), sdyx(static_cast<size_t>(nb), 0.0);
  if (need_sums) {
    parallel_for(nb, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) {
        const FusedRelu r = fused(i);
        grad_sums(x + i * L.S, dy + i * L.S, relu ? &r : nullptr, L.S, mean[group_of(L, i)], &sdy[i], &sdyx[i]);
      }
    });
  }
  if (dw || db) {
    for (int64_t c = 0; c < C; ++c) {
      double sw = 0, sb = 0;
      for (int64_t n = 0; n < L.N; ++n) {
        const int64_t i = n * C + c;
        sb += sdy[i];
        sw += sdyx[i] * invstd[group_of(L, i)];
      }
      if (dw) dw[c] = static_cast<float>(sw);
      if (db) db[c] = static_cast<float>(sb);
    }
  }
  if (dx) {
    // Per group: mean of dxhat = Σ w_c Σdy / cnt, mean of dxhat * xhat = Σ w_c is Σdy(x-m) / cnt.
    std::vector<double> mg(static_cast<size_t>(L.stats()), 0.0), mgx(static_cast<size_t>(L.stats()), 0.0);
    if (batch_stats) {
      const double cnt = static_cast<double>(L.count());
      for (int64_t i = 0; i < nb; ++i) {
        const int64_t k = group_of(L, i);
        const double wc = w ? w[i % C] : 1.0;
        mg[k] += wc * sdy[i] / cnt;
        mgx[k] += wc * invstd[k] * sdyx[i] / cnt;
      }
    }
    // dx = is * (dy * w - mg - (x - m) * is * mgx) = a * dy + b * (x - m) + c.
    parallel_for(nb, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t k = group_of(L, i);
        const double is = invstd[k], m = mean[k], wc = w ? w[i % C] : 1.0;
        const double a = is * wc, bx = -is * is * mgx[k], c0 = -is * mg[k];
        if (relu) {
          affine_relu(dy + i * L.S, x + i * L.S, L.S, static_cast<float>(a), static_cast<float>(bx),
                      batch_stats ? static_cast<float>(m) : 0.f, static_cast<float>(c0), batch_stats, fused(i), dx + i * L.S);
          continue;
        }
        affine(dy + i * L.S, batch_stats ? x + i * L.S : nullptr, L.S, static_cast<float>(a), static_cast<float>(bx),
               batch_stats ? static_cast<float>(m) : 0.f, static_cast<float>(c0), dx + i * L.S);
      }
    });
  }
  return info.Env().Undefined();
}

ACS_EXPORT("normStats", NormStats);
ACS_EXPORT("normApply", NormApply);
ACS_EXPORT("normBackward", NormBackward);

}  // namespace
}  // namespace acs
