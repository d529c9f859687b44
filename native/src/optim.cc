// Optimizer updates (optim/*.ts): one threaded pass over a parameter, its gradient and its state. Each
// element is computed in double and rounded to float32 on store, exactly as the JS loops they replace did
// (stored state is read back rounded where the JS read it back), so results do not depend on which runs.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "napi_args.h"
#include "registry.h"
#include "threadpool.h"

namespace acs {
namespace {

constexpr int64_t kChunk = 1 << 15;

// sgdUpdate(p, g, buf | null, n, lr, momentum, dampening, wd, sign, nesterov, first)
// No momentum: p −= lr·(sign·g + wd·p). First momentum step: buf = d; p −= lr·(nesterov ? buf + m·buf : buf).
// Later: buf = m·buf + (1 − dampening)·d; p −= lr·(nesterov ? d + m·buf : buf), d = sign·g + wd·p.
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  float* x = f32(info, 0);
  const float* g = f32(info, 1);
  float* buf = f32_or_null(info, 2);
  const int64_t n = num(info, 3);
  const double lr = dbl(info, 4), momentum = dbl(info, 5), dampening = dbl(info, 6), wd = dbl(info, 7), sign = dbl(info, 8);
  const bool nesterov = flag(info, 9), first = flag(info, 10);
  const double keep = 1 - dampening;
  parallel_for(n, [&](int64_t b, int64_t e, int) {
    if (!buf) {
      for (int64_t i = b; i < e; ++i) x[i] = static_cast<float>(x[i] - lr * (sign * g[i] + wd * x[i]));
    } else if (first) {
      for (int64_t i = b; i < e; ++i) {
        buf[i] = static_cast<float>(sign * g[i] + wd * x[i]);
        const double bi = buf[i];
        x[i] = static_cast<float>(x[i] - lr * (nesterov ? bi + momentum * bi : bi));
      }
    } else {
      for (int64_t i = b; i < e; ++i) {
        const double d = sign * g[i] + wd * x[i];
        const double bv = momentum * buf[i] + keep * d;
        buf[i] = static_cast<float>(bv);
        x[i] = static_cast<float>(x[i] - lr * (nesterov ? d + momentum * bv : bv));
      }
    }
  }, kChunk);
  return info.Env().Undefined();
}

// adamUpdate(p, g, m, v, vmax | null, n, [decay, l2, sign, beta1, beta2, stepSize, bc2Sqrt, eps])
// p *= decay (AdamW's decoupled decay; 1 for Adam); gi = sign·g + l2·p; m = β1·m + (1 − β1)·gi;
// v = β2·v + (1 − β2)·gi²; amsgrad: vmax = max(vmax, v); p −= stepSize·m / (sqrt(v or vmax)/bc2Sqrt + eps).
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  float* x = f32(info, 0);
  const float* g = f32(info, 1);
  float* m = f32(info, 2);
  float* v = f32(info, 3);
  float* vmax = f32_or_null(info, 4);
  const int64_t n = num(info, 5);
  Napi::Array s = info[6].As<Napi::Array>();
  auto at = [&](uint32_t k) { return s.Get(k).As<Napi::Number>().DoubleValue(); };
  const double decay = at(0), l2 = at(1), sign = at(2), beta1 = at(3), beta2 = at(4), step_size = at(5),
               bc2_sqrt = at(6), eps = at(7);
  parallel_for(n, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      if (decay != 1) x[i] = static_cast<float>(x[i] * decay);
      const double gi = sign * g[i] + l2 * x[i];
      m[i] = static_cast<float>(beta1 * m[i] + (1 - beta1) * gi);
      v[i] = static_cast<float>(beta2 * v[i] + (1 - beta2) * gi * gi);
      double vi = v[i];
      if (vmax) {
        const float a = vmax[i], c = v[i];
        vmax[i] = std::isnan(a) || std::isnan(c) ? NAN : std::max(a, c);  // NaN propagates, as Math.max
        vi = vmax[i];
      }
      x[i] = static_cast<float>(x[i] - (step_size * m[i]) / (std::sqrt(vi) / bc2_sqrt + eps));
    }
  }, kChunk);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace acs

ACS_EXPORT("sgdUpdate", acs::SgdUpdate);
ACS_EXPORT("adamUpdate", acs::AdamUpdate);
