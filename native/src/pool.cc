// Pooling kernels (max, average, adaptive average, adaptive max), forward and backward, over
// [NC, D, H, W] planes; 2D pooling is the 3D kernel with D = 1. Threads split the NC planes, so
// backward scatter-adds never race. Output sizes and argument rules are checked in src/backend/pool.ts.
#if defined(__x86_64__) || defined(__i386__)
#define ACS_X86 1
#include <immintrin.h>
#else
#define ACS_X86 0
#endif

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu.h"
#include "napi_args.h"
#include "registry.h"
#include "threadpool.h"

namespace acs {
namespace {

struct Geom {
  int64_t nc, D, H, W, oD, oH, oW;
  int64_t in_plane() const { return D * H * W; }
  int64_t out_plane() const { return oD * oH * oW; }
};

Geom geom_from(const Napi::CallbackInfo& info, size_t i) {
  auto g = ints(info, i);  // [NC, D, H, W, oD, oH, oW]
  return {g[0], g[1], g[2], g[3], g[4], g[5], g[6]};
}

// PyTorch's adaptive window: [floor(o*I/O), ceil((o+1)*I/O)).
inline int64_t ada_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
inline int64_t ada_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

// Max pooling follows PyTorch: padding is -inf, NaN wins, and among equal maxima the first tap in
// scan order wins. Taps are scanned in (d, h, w) order, which is increasing flat index, so "first"
// is also "smallest index": any kernel that scans in that order with a strict `>` agrees. We take
// the first NaN where PyTorch's CPU loop takes the last; the value is NaN either way.
struct MaxArgs {
  const float* x;
  Geom g;
  int64_t k[3], s[3], p[3], d[3];
  float* out;
  int32_t* idx;
};

// Row offsets (id * H + ih) * W of the in-bounds (d, h) taps of output row (od, oh), in scan order.
inline int collect_rows(const MaxArgs& A, int64_t od, int64_t oh, std::vector<int64_t>& rows) {
  rows.clear();
  for (int64_t a = 0; a < A.k[0]; ++a) {
    int64_t id = od * A.s[0] - A.p[0] + a * A.d[0];
    if (id < 0 || id >= A.g.D) continue;
    for (int64_t b = 0; b < A.k[1]; ++b) {
      int64_t ih = oh * A.s[1] - A.p[1] + b * A.d[1];
      if (ih < 0 || ih >= A.g.H) continue;
      rows.push_back((id * A.g.H + ih) * A.g.W);
    }
  }
  return static_cast<int>(rows.size());
}

// Flat index of the first in-bounds tap of output (row, ow); 0 when the window is all padding.
inline int32_t first_tap(const MaxArgs& A, const std::vector<int64_t>& rows, int64_t ow) {
  if (rows.empty()) return 0;
  for (int64_t c = 0; c < A.k[2]; ++c) {
    int64_t iw = ow * A.s[2] - A.p[2] + c * A.d[2];
    if (iw >= 0 && iw < A.g.W) return static_cast<int32_t>(rows[0] + iw);
  }
  return 0;
}

// The vector rows' lanes (bit j: output ow0 + j) that were never updated saw only -inf or only padding:
// PyTorch reports the first in-bounds tap there.
inline void first_taps(const MaxArgs& A, const std::vector<int64_t>& rows, int64_t ow0, unsigned miss, int32_t* irow) {
  while (miss) {
    const int j = __builtin_ctz(miss);
    miss &= miss - 1;
    irow[ow0 + j] = first_tap(A, rows, ow0 + j);
  }
}

void max_row_scalar(const MaxArgs& A, const float* xp, const std::vector<int64_t>& rows, float* orow, int32_t* irow) {
  for (int64_t ow = 0; ow < A.g.oW; ++ow) {
    float best = -std::numeric_limits<float>::infinity();
    int64_t besti = -1;
    for (int64_t r : rows) {
      for (int64_t c = 0; c < A.k[2]; ++c) {
        int64_t iw = ow * A.s[2] - A.p[2] + c * A.d[2];
        if (iw < 0 || iw >= A.g.W) continue;
        float v = xp[r + iw];
        if (v > best || (std::isnan(v) && !std::isnan(best))) {
          best = v;
          besti = r + iw;
        }
      }
    }
    orow[ow] = best;
    irow[ow] = besti < 0 ? first_tap(A, rows, ow) : static_cast<int32_t>(besti);
  }
}

constexpr int64_t kMaxVecKw = 32;  // wider W kernels take the scalar path

// 16 outputs along W per vector. Out-of-bounds taps (padding, the ceil-mode tail) and lanes past
// the row's end are masked loads that read -inf, so edges need no separate code. Stride 1 loads
// contiguously, stride 2 loads 32 floats and keeps the even ones, other strides gather.
#if ACS_X86
__attribute__((target("avx512f"))) void max_row_avx512(const MaxArgs& A, const float* xp,
                                                        const std::vector<int64_t>& rows, float* orow,
                                                        int32_t* irow) {
  const int64_t kw = A.k[2], sw = A.s[2], pw = A.p[2], dw = A.d[2], W = A.g.W, oW = A.g.oW;
  const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i lane_s = _mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int32_t>(sw)));
  const __m512i zero = _mm512_setzero_si512(), wv = _mm512_set1_epi32(static_cast<int32_t>(W));
  const __m512i neg1 = _mm512_set1_epi32(-1);
  __mmask16 m0[kMaxVecKw], m1[kMaxVecKw];
  for (int64_t ow0 = 0; ow0 < oW; ow0 += 16) {
    const int nv = static_cast<int>(std::min<int64_t>(16, oW - ow0));
    const __mmask16 lm = static_cast<__mmask16>((1u << nv) - 1u);
    const int64_t st0 = ow0 * sw - pw;
    for (int64_t c = 0; c < kw; ++c) {
      const __m512i st = _mm512_set1_epi32(static_cast<int32_t>(st0 + c * dw));
      if (sw == 2) {
        // Positions q = 0..31 of the span; only q <= 2 * (nv - 1) are needed.
        const __m512i qlim = _mm512_set1_epi32(2 * (nv - 1));
        __m512i p0 = _mm512_add_epi32(st, lane), p1 = _mm512_add_epi32(p0, _mm512_set1_epi32(16));
        __m512i q1 = _mm512_add_epi32(lane, _mm512_set1_epi32(16));
        m0[c] = _mm512_cmpge_epi32_mask(p0, zero) & _mm512_cmplt_epi32_mask(p0, wv) & _mm512_cmple_epi32_mask(lane, qlim);
        m1[c] = _mm512_cmpge_epi32_mask(p1, zero) & _mm512_cmplt_epi32_mask(p1, wv) & _mm512_cmple_epi32_mask(q1, qlim);
      } else {
        __m512i iw = _mm512_add_epi32(st, lane_s);
        m0[c] = lm & _mm512_cmpge_epi32_mask(iw, zero) & _mm512_cmplt_epi32_mask(iw, wv);
      }
    }
    __m512 best = ninf;
    __m512i bi = neg1;
    __mmask16 nan = 0;
    for (int64_t r : rows) {
      for (int64_t c = 0; c < kw; ++c) {
        const int64_t st = r + st0 + c * dw;  // may be negative: masked lanes are never read
        __m512 v;
        if (sw == 1) {
          v = _mm512_mask_loadu_ps(ninf, m0[c], xp + st);
        } else if (sw == 2) {
          __m512 lo = _mm512_mask_loadu_ps(ninf, m0[c], xp + st);
          __m512 hi = _mm512_mask_loadu_ps(ninf, m1[c], xp + st + 16);
          v = _mm512_permutex2var_ps(lo, even, hi);
        } else {
          v = _mm512_mask_i32gather_ps(ninf, m0[c], lane_s, xp + st, 4);
        }
        const __mmask16 isn = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        const __mmask16 up = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | (isn & static_cast<__mmask16>(~nan));
        nan |= isn;
        best = _mm512_mask_mov_ps(best, up, v);
        bi = _mm512_mask_mov_epi32(bi, up, _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(st)), lane_s));
      }
    }
    _mm512_mask_storeu_ps(orow + ow0, lm, best);
    _mm512_mask_storeu_epi32(irow + ow0, lm, bi);
    first_taps(A, rows, ow0, lm & _mm512_cmpeq_epi32_mask(bi, neg1), irow);
  }
}
#endif

// Lanes with 0 <= p < W.
#if ACS_X86
__attribute__((target("avx2"))) inline __m256i inside_row(__m256i p, __m256i wv) {
  return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), p), _mm256_cmpgt_epi32(wv, p));
}
#endif

// max_row_avx512's contract with AVX2: 8 outputs per vector, strides 1 and 2 only (others take the
// scalar path). Masked-off lanes of vmaskmovps read 0, so the -inf of padding is blended in.
#if ACS_X86
__attribute__((target("avx2,fma"))) void max_row_avx2(const MaxArgs& A, const float* xp, const std::vector<int64_t>& rows,
                                                      float* orow, int32_t* irow) {
  const int64_t kw = A.k[2], sw = A.s[2], pw = A.p[2], dw = A.d[2], W = A.g.W, oW = A.g.oW;
  const __m256 ninf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i lane_s = _mm256_mullo_epi32(lane, _mm256_set1_epi32(static_cast<int32_t>(sw)));
  const __m256i wv = _mm256_set1_epi32(static_cast<int32_t>(W)), neg1 = _mm256_set1_epi32(-1);
  __m256i m0[kMaxVecKw], m1[kMaxVecKw];
  for (int64_t ow0 = 0; ow0 < oW; ow0 += 8) {
    const int nv = static_cast<int>(std::min<int64_t>(8, oW - ow0));
    const __m256i lm = _mm256_cmpgt_epi32(_mm256_set1_epi32(nv), lane);
    const int64_t st0 = ow0 * sw - pw;
    for (int64_t c = 0; c < kw; ++c) {
      const __m256i st = _mm256_set1_epi32(static_cast<int32_t>(st0 + c * dw));
      if (sw == 2) {
        // Positions q = 0..15 of the span; only q <= 2 * (nv - 1) are needed.
        const __m256i qlim = _mm256_set1_epi32(2 * (nv - 1) + 1);
        const __m256i q1 = _mm256_add_epi32(lane, _mm256_set1_epi32(8));
        m0[c] = _mm256_and_si256(inside_row(_mm256_add_epi32(st, lane), wv), _mm256_cmpgt_epi32(qlim, lane));
        m1[c] = _mm256_and_si256(inside_row(_mm256_add_epi32(st, q1), wv), _mm256_cmpgt_epi32(qlim, q1));
      } else {
        m0[c] = _mm256_and_si256(lm, inside_row(_mm256_add_epi32(st, lane), wv));
      }
    }
    __m256 best = ninf;
    __m256i bi = neg1;
    __m256 nan = _mm256_setzero_ps();
    for (int64_t r : rows) {
      for (int64_t c = 0; c < kw; ++c) {
        const int64_t st = r + st0 + c * dw;  // may be negative: masked lanes are never read
        __m256 v = _mm256_blendv_ps(ninf, _mm256_maskload_ps(xp + st, m0[c]), _mm256_castsi256_ps(m0[c]));
        if (sw == 2) {
          const __m256 hi = _mm256_blendv_ps(ninf, _mm256_maskload_ps(xp + st + 8, m1[c]), _mm256_castsi256_ps(m1[c]));
          // Even lanes of (v, hi): shuffle within 128-bit halves, then order the 64-bit pairs 0, 2, 1, 3.
          const __m256 ev = _mm256_shuffle_ps(v, hi, _MM_SHUFFLE(2, 0, 2, 0));
          v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
        }
        const __m256 isn = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        const __m256 up = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_andnot_ps(nan, isn));
        nan = _mm256_or_ps(nan, isn);
        best = _mm256_blendv_ps(best, v, up);
        const __m256i at = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int32_t>(st)), lane_s);
        bi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bi), _mm256_castsi256_ps(at), up));
      }
    }
    _mm256_maskstore_ps(orow + ow0, lm, best);
    _mm256_maskstore_epi32(irow + ow0, lm, bi);
    first_taps(A, rows, ow0,
               static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_and_si256(lm, _mm256_cmpeq_epi32(bi, neg1))))),
               irow);
  }
}
#endif

// maxPool3dForward(x, geom, k, s, p, d, out, idx): idx is the flat index within the input plane.
Napi::Value MaxPoolForward(const Napi::CallbackInfo& info) {
  MaxArgs A{};
  A.x = f32(info, 0);
  A.g = geom_from(info, 1);
  auto k = ints(info, 2), s = ints(info, 3), p = ints(info, 4), d = ints(info, 5);
  for (int i = 0; i < 3; ++i) A.k[i] = k[i], A.s[i] = s[i], A.p[i] = p[i], A.d[i] = d[i];
  A.out = f32(info, 6);
  A.idx = i32(info, 7);
  [[maybe_unused]] const bool vec = ACS_X86 && isa_has(Isa::kAvx512) && A.k[2] <= kMaxVecKw;
  [[maybe_unused]] const bool vec2 = ACS_X86 && !vec && isa_has(Isa::kAvx2) && A.k[2] <= kMaxVecKw && A.s[2] <= 2;
  const Geom& g = A.g;
  const bool prefetch = g.nc * g.in_plane() * 4 >= (int64_t{4} << 20);
  // Work items are (plane, od) slabs: more of them than planes alone when N*C is small.
  parallel_for(g.nc * g.oD, [&](int64_t b, int64_t e, int) {
    std::vector<int64_t> rows;
    rows.reserve(static_cast<size_t>(A.k[0] * A.k[1]));
    for (int64_t it = b; it < e; ++it) {
      const int64_t pl = it / g.oD, od = it % g.oD;
      const float* xp = A.x + pl * g.in_plane();
      for (int64_t oh = 0; oh < g.oH; ++oh) {
        collect_rows(A, od, oh, rows);
        const int64_t o = pl * g.out_plane() + (od * g.oH + oh) * g.oW;
        // The rows two output rows ahead: each thread reads its slabs' planes as interleaved streams that
        // the hardware prefetchers here did not keep up with (6 GB/s on a 113 MB input, 17 GB/s from L2;
        // 12 GB/s with this). Inputs that fit in cache skip it.
        if (prefetch) {
          const int64_t ahead = 2 * A.s[1] * g.W;
          for (int64_t r : rows) {
            const char* l = reinterpret_cast<const char*>(xp + r + ahead);
            for (int64_t at = 0; at < g.W * 4; at += 64) __builtin_prefetch(l + at);
          }
        }
#if ACS_X86
        if (vec) {
          max_row_avx512(A, xp, rows, A.out + o, A.idx + o);
          continue;
        }
        if (vec2) {
          max_row_avx2(A, xp, rows, A.out + o, A.idx + o);
          continue;
        }
#endif
        max_row_scalar(A, xp, rows, A.out + o, A.idx + o);
      }
    }
  });
  return info.Env().Undefined();
}

// indexPoolBackward(gy, idx, geom, gx): gx (zeroed by the caller) += gy at the saved argmax.
Napi::Value IndexPoolBackward(const Napi::CallbackInfo& info) {
  const float* gy = f32(info, 0);
  const int32_t* idx = i32(info, 1);
  Geom g = geom_from(info, 2);
  float* gx = f32(info, 3);
  // Indices outside the plane are skipped and the first one's flat position reported (the caller
  // throws): checking here, inside the scatter, costs nothing, where a separate JS pass cost a full sweep.
  std::atomic<int64_t> bad{INT64_MAX};
  const uint32_t plane = static_cast<uint32_t>(g.in_plane());
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* gp = gy + pl * g.out_plane();
      const int32_t* ip = idx + pl * g.out_plane();
      float* xp = gx + pl * g.in_plane();
      // gx arrives uncleared: each plane is cleared by the thread that scatters into it, while it is in
      // cache (clearing the whole gradient first was a separate single-threaded pass over memory).
      std::memset(xp, 0, sizeof(float) * g.in_plane());
      for (int64_t o = 0; o < g.out_plane(); ++o) {
        const uint32_t j = static_cast<uint32_t>(ip[o]);
        if (j >= plane) {
          int64_t at = pl * g.out_plane() + o, cur = bad.load();
          while (at < cur && !bad.compare_exchange_weak(cur, at)) {
          }
          continue;
        }
        xp[j] += gp[o];
      }
    }
  });
  const int64_t first = bad.load();
  return Napi::Number::New(info.Env(), first == INT64_MAX ? -1.0 : static_cast<double>(first));
}

// PyTorch's average-pool window: the divisor counts padding but not the part beyond it that ceil
// mode adds; without countIncludePad it counts the in-bounds cells only.
struct AvgWin {
  int64_t s0, e0, s1, e1, s2, e2;
  float inv;
};

inline AvgWin avg_window(const Geom& g, int64_t od, int64_t oh, int64_t ow, const std::vector<int64_t>& k,
                         const std::vector<int64_t>& s, const std::vector<int64_t>& p, bool include_pad) {
  int64_t ds = od * s[0] - p[0], hs = oh * s[1] - p[1], ws = ow * s[2] - p[2];
  int64_t de = std::min(ds + k[0], g.D + p[0]), he = std::min(hs + k[1], g.H + p[1]),
          we = std::min(ws + k[2], g.W + p[2]);
  int64_t pool = (de - ds) * (he - hs) * (we - ws);
  ds = std::max<int64_t>(ds, 0);
  hs = std::max<int64_t>(hs, 0);
  ws = std::max<int64_t>(ws, 0);
  de = std::min(de, g.D);
  he = std::min(he, g.H);
  we = std::min(we, g.W);
  int64_t cnt = include_pad ? pool : (de - ds) * (he - hs) * (we - ws);
  return {ds, de, hs, he, ws, we, cnt > 0 ? 1.f / static_cast<float>(cnt) : 0.f};
}

// Calls fn(o, w) for every output position o (flat within a plane) with its averaging window.
template <typename Fn>
void for_each_avg_window(const Geom& g, const std::vector<int64_t>& k, const std::vector<int64_t>& s,
                         const std::vector<int64_t>& p, bool include_pad, Fn fn) {
  for (int64_t od = 0; od < g.oD; ++od)
    for (int64_t oh = 0; oh < g.oH; ++oh)
      for (int64_t ow = 0; ow < g.oW; ++ow) fn((od * g.oH + oh) * g.oW + ow, avg_window(g, od, oh, ow, k, s, p, include_pad));
}

// Calls fn(i) for every input position i (flat within a plane) inside the window.
template <typename Fn>
void for_each_in_window(const Geom& g, const AvgWin& w, Fn fn) {
  for (int64_t id = w.s0; id < w.e0; ++id)
    for (int64_t ih = w.s1; ih < w.e1; ++ih)
      for (int64_t iw = w.s2; iw < w.e2; ++iw) fn((id * g.H + ih) * g.W + iw);
}

// avgPool3dForward(x, geom, k, s, p, countIncludePad, out)
Napi::Value AvgPoolForward(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  Geom g = geom_from(info, 1);
  auto k = ints(info, 2), s = ints(info, 3), p = ints(info, 4);
  bool inc = flag(info, 5);
  float* out = f32(info, 6);
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* xp = x + pl * g.in_plane();
      float* op = out + pl * g.out_plane();
      for_each_avg_window(g, k, s, p, inc, [&](int64_t o, const AvgWin& w) {
        float acc = 0.f;
        for_each_in_window(g, w, [&](int64_t i) { acc += xp[i]; });
        op[o] = acc * w.inv;
      });
    }
  });
  return info.Env().Undefined();
}

// avgPool3dBackward(gy, geom, k, s, p, countIncludePad, gx): gx zeroed by the caller.
Napi::Value AvgPoolBackward(const Napi::CallbackInfo& info) {
  const float* gy = f32(info, 0);
  Geom g = geom_from(info, 1);
  auto k = ints(info, 2), s = ints(info, 3), p = ints(info, 4);
  bool inc = flag(info, 5);
  float* gx = f32(info, 6);
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* gp = gy + pl * g.out_plane();
      float* xp = gx + pl * g.in_plane();
      for_each_avg_window(g, k, s, p, inc, [&](int64_t o, const AvgWin& w) {
        const float v = gp[o] * w.inv;
        for_each_in_window(g, w, [&](int64_t i) { xp[i] += v; });
      });
    }
  });
  return info.Env().Undefined();
}

// adaptivePool3dForward(x, geom, isMax, out, idx|null)
Napi::Value AdaptivePoolForward(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  Geom g = geom_from(info, 1);
  bool is_max = flag(info, 2);
  float* out = f32(info, 3);
  int32_t* idx = is_max ? i32(info, 4) : nullptr;
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* xp = x + pl * g.in_plane();
      float* op = out + pl * g.out_plane();
      for (int64_t od = 0; od < g.oD; ++od) {
        int64_t d0 = ada_start(od, g.D, g.oD), d1 = ada_end(od, g.D, g.oD);
        for (int64_t oh = 0; oh < g.oH; ++oh) {
          int64_t h0 = ada_start(oh, g.H, g.oH), h1 = ada_end(oh, g.H, g.oH);
          for (int64_t ow = 0; ow < g.oW; ++ow) {
            int64_t w0 = ada_start(ow, g.W, g.oW), w1 = ada_end(ow, g.W, g.oW);
            int64_t o = (od * g.oH + oh) * g.oW + ow;
            if (is_max) {
              float best = 0.f;
              int64_t besti = -1;
              for (int64_t id = d0; id < d1; ++id)
                for (int64_t ih = h0; ih < h1; ++ih)
                  for (int64_t iw = w0; iw < w1; ++iw) {
                    int64_t li = (id * g.H + ih) * g.W + iw;
                    float v = xp[li];
                    if (besti < 0 || v > best || std::isnan(v)) {
                      best = v;
                      besti = li;
                      if (std::isnan(v)) goto found;
                    }
                  }
            found:
              op[o] = best;
              idx[pl * g.out_plane() + o] = static_cast<int32_t>(besti);
            } else {
              float acc = 0.f;
              for (int64_t id = d0; id < d1; ++id)
                for (int64_t ih = h0; ih < h1; ++ih)
                  for (int64_t iw = w0; iw < w1; ++iw) acc += xp[(id * g.H + ih) * g.W + iw];
              op[o] = acc / static_cast<float>((d1 - d0) * (h1 - h0) * (w1 - w0));
            }
          }
        }
      }
    }
  });
  return info.Env().Undefined();
}

// adaptiveAvgPool3dBackward(gy, geom, gx): gx zeroed by the caller.
Napi::Value AdaptiveAvgPoolBackward(const Napi::CallbackInfo& info) {
  const float* gy = f32(info, 0);
  Geom g = geom_from(info, 1);
  float* gx = f32(info, 2);
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* gp = gy + pl * g.out_plane();
      float* xp = gx + pl * g.in_plane();
      for (int64_t od = 0; od < g.oD; ++od) {
        int64_t d0 = ada_start(od, g.D, g.oD), d1 = ada_end(od, g.D, g.oD);
        for (int64_t oh = 0; oh < g.oH; ++oh) {
          int64_t h0 = ada_start(oh, g.H, g.oH), h1 = ada_end(oh, g.H, g.oH);
          for (int64_t ow = 0; ow < g.oW; ++ow) {
            int64_t w0 = ada_start(ow, g.W, g.oW), w1 = ada_end(ow, g.W, g.oW);
            float v = gp[(od * g.oH + oh) * g.oW + ow] / static_cast<float>((d1 - d0) * (h1 - h0) * (w1 - w0));
            for (int64_t id = d0; id < d1; ++id)
              for (int64_t ih = h0; ih < h1; ++ih)
                for (int64_t iw = w0; iw < w1; ++iw) xp[(id * g.H + ih) * g.W + iw] += v;
          }
        }
      }
    }
  });
  return info.Env().Undefined();
}

ACS_EXPORT("maxPool3dForward", MaxPoolForward);
ACS_EXPORT("indexPoolBackward", IndexPoolBackward);
ACS_EXPORT("avgPool3dForward", AvgPoolForward);
ACS_EXPORT("avgPool3dBackward", AvgPoolBackward);
ACS_EXPORT("adaptivePool3dForward", AdaptivePoolForward);
ACS_EXPORT("adaptiveAvgPool3dBackward", AdaptiveAvgPoolBackward);

}  // namespace
}  // namespace acs
