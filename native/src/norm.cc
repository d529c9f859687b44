// Normalisation kernels shared by batch, instance and group norm. The input is viewed as
// [N, G, Cg, S] with channels c = g*Cg + cg (C = G*Cg). Statistics are per g over (N, Cg, S) when
// `perN` is false (batch norm: Cg = 1) or per (n, g) over (Cg, S) when it is true (instance norm:
// Cg = 1; group norm). Weight and bias are per channel. Accumulation is in double: float sums over
// large 3D volumes lose digits. Shapes are checked in src/backend/norm.ts.
#include <cmath>
#include <cstdint>
#include <vector>

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

// normStats(x, layout, mean, var): biased variance, two passes for accuracy.
Napi::Value NormStats(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  Layout L = layout_from(info, 1);
  float* mean = f32(info, 2);
  float* var = f32(info, 3);
  parallel_for(L.stats(), [&](int64_t b, int64_t e, int) {
    for (int64_t k = b; k < e; ++k) {
      double sum = 0;
      L.each_block(k, [&](int64_t off, int64_t) {
        for (int64_t s = 0; s < L.S; ++s) sum += x[off + s];
      });
      double m = L.count() > 0 ? sum / static_cast<double>(L.count()) : 0.0;
      double sq = 0;
      L.each_block(k, [&](int64_t off, int64_t) {
        for (int64_t s = 0; s < L.S; ++s) {
          double dv = x[off + s] - m;
          sq += dv * dv;
        }
      });
      mean[k] = static_cast<float>(m);
      var[k] = L.count() > 0 ? static_cast<float>(sq / static_cast<double>(L.count())) : 0.f;
    }
  });
  return info.Env().Undefined();
}

// normApply(x, layout, mean, invstd, weight|null, bias|null, y): y = (x - mean) * invstd * w + b.
Napi::Value NormApply(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  Layout L = layout_from(info, 1);
  const float* mean = f32(info, 2);
  const float* invstd = f32(info, 3);
  const float* w = f32_or_null(info, 4);
  const float* bias = f32_or_null(info, 5);
  float* y = f32(info, 6);
  parallel_for(L.stats(), [&](int64_t b, int64_t e, int) {
    for (int64_t k = b; k < e; ++k) {
      L.each_block(k, [&](int64_t off, int64_t c) {
        float scale = invstd[k] * (w ? w[c] : 1.f);
        float shift = (bias ? bias[c] : 0.f) - mean[k] * scale;
        for (int64_t s = 0; s < L.S; ++s) y[off + s] = x[off + s] * scale + shift;
      });
    }
  });
  return info.Env().Undefined();
}

// normBackward(x, dy, layout, mean, invstd, weight|null, batchStats, dx|null, dw|null, db|null).
// With batch statistics the mean and variance depend on x, which adds the two projection terms.
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
  const int64_t C = L.G * L.Cg;
  if (dx) {
    parallel_for(L.stats(), [&](int64_t b, int64_t e, int) {
      for (int64_t k = b; k < e; ++k) {
        const double m = mean[k], is = invstd[k];
        double sum_g = 0, sum_gx = 0;  // sums of dxhat and dxhat * xhat
        if (batch_stats) {
          L.each_block(k, [&](int64_t off, int64_t c) {
            double wc = w ? w[c] : 1.0;
            for (int64_t s = 0; s < L.S; ++s) {
              double g = dy[off + s] * wc;
              sum_g += g;
              sum_gx += g * (x[off + s] - m) * is;
            }
          });
        }
        const double cnt = static_cast<double>(L.count());
        const double mg = batch_stats ? sum_g / cnt : 0.0, mgx = batch_stats ? sum_gx / cnt : 0.0;
        L.each_block(k, [&](int64_t off, int64_t c) {
          double wc = w ? w[c] : 1.0;
          for (int64_t s = 0; s < L.S; ++s) {
            double xh = (x[off + s] - m) * is;
            dx[off + s] = static_cast<float>(is * (dy[off + s] * wc - mg - xh * mgx));
          }
        });
      }
    });
  }
  if (dw || db) {
    parallel_for(C, [&](int64_t b, int64_t e, int) {
      for (int64_t c = b; c < e; ++c) {
        int64_t g = c / L.Cg, cg = c % L.Cg;
        double sw = 0, sb = 0;
        for (int64_t n = 0; n < L.N; ++n) {
          int64_t k = L.per_n ? n * L.G + g : g;
          const double m = mean[k], is = invstd[k];
          int64_t off = ((n * L.G + g) * L.Cg + cg) * L.S;
          for (int64_t s = 0; s < L.S; ++s) {
            sb += dy[off + s];
            sw += dy[off + s] * (x[off + s] - m) * is;
          }
        }
        if (dw) dw[c] = static_cast<float>(sw);
        if (db) db[c] = static_cast<float>(sb);
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
