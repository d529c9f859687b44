// Transcendental activations (exp, sigmoid, tanh, SiLU, exact GELU) forward and backward, threaded.
// These are compute-bound in JS (~20-40 ns per element through Math.exp); here exp is an inlined
// polynomial the compiler vectorises, and the work is split over the thread pool.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "napi_args.h"
#include "registry.h"
#include "threadpool.h"

namespace acs {
namespace {

enum Kind : int { kExp = 0, kSigmoid = 1, kTanh = 2, kSilu = 3, kGelu = 4 };

// exp(x) for float: 2^k · p(r) with r = x − k·ln2 in [−ln2/2, ln2/2]; relative error ≈ 2e-7.
// Rounds with the 1.5·2^23 trick (no libm call, so the loop vectorises without -ffast-math).
inline float fexp(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  const float t = x * 1.44269504088896341f;
  const float k = (t + 12582912.0f) - 12582912.0f;
  const float r = (x - k * 0.693145751953125f) - k * 1.428606765330187045e-06f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(k) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float fsigmoid(float x) { return 1.0f / (1.0f + fexp(-x)); }

// erfc with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit), as src/ops/activation.ts.
inline float ferfc(float x) {
  const float z = std::abs(x);
  const float t = 1.0f / (1.0f + 0.5f * z);
  const float poly =
      -z * z - 1.26551223f +
      t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f + t * (0.27886807f +
      t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
  const float r = t * fexp(poly);
  return x >= 0.f ? r : 2.0f - r;
}

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

void forward(int kind, const float* x, float* y, int64_t b, int64_t e) {
  switch (kind) {
    case kExp:
      for (int64_t i = b; i < e; ++i) y[i] = fexp(x[i]);
      break;
    case kSigmoid:
      for (int64_t i = b; i < e; ++i) y[i] = fsigmoid(x[i]);
      break;
    case kTanh:
      // tanh(x) = 1 − 2/(e^{2x} + 1); exact at ±large, abs error ~1e-7 near 0.
      for (int64_t i = b; i < e; ++i) y[i] = 1.0f - 2.0f / (fexp(2.0f * x[i]) + 1.0f);
      break;
    case kSilu:
      for (int64_t i = b; i < e; ++i) y[i] = x[i] * fsigmoid(x[i]);
      break;
    case kGelu:
      for (int64_t i = b; i < e; ++i) y[i] = 0.5f * x[i] * ferfc(-x[i] * kInvSqrt2);
      break;
  }
}

// g: upstream gradient; x: the op's input; y: its output (each kind reads what it needs).
void backward(int kind, const float* x, const float* y, const float* g, float* d, int64_t b, int64_t e) {
  switch (kind) {
    case kExp:
      for (int64_t i = b; i < e; ++i) d[i] = g[i] * y[i];
      break;
    case kSigmoid:
      for (int64_t i = b; i < e; ++i) d[i] = g[i] * y[i] * (1.0f - y[i]);
      break;
    case kTanh:
      for (int64_t i = b; i < e; ++i) d[i] = g[i] * (1.0f - y[i] * y[i]);
      break;
    case kSilu:
      for (int64_t i = b; i < e; ++i) {
        const float s = fsigmoid(x[i]);
        d[i] = g[i] * s * (1.0f + x[i] * (1.0f - s));
      }
      break;
    case kGelu:
      for (int64_t i = b; i < e; ++i) {
        const float v = x[i];
        d[i] = g[i] * (0.5f * ferfc(-v * kInvSqrt2) + v * kInvSqrt2Pi * fexp(-0.5f * v * v));
      }
      break;
  }
}

constexpr int64_t kMinChunk = 1 << 15;

// unaryForward(kind, x, y, n)
Napi::Value UnaryForward(const Napi::CallbackInfo& info) {
  const int kind = static_cast<int>(num(info, 0));
  const float* x = f32(info, 1);
  float* y = f32(info, 2);
  const int64_t n = num(info, 3);
  parallel_for(n, [&](int64_t b, int64_t e, int) { forward(kind, x, y, b, e); }, kMinChunk);
  return info.Env().Undefined();
}

// unaryBackward(kind, x | null, y | null, g, d, n)
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  const int kind = static_cast<int>(num(info, 0));
  const float* x = f32_or_null(info, 1);
  const float* y = f32_or_null(info, 2);
  const float* g = f32(info, 3);
  float* d = f32(info, 4);
  const int64_t n = num(info, 5);
  parallel_for(n, [&](int64_t b, int64_t e, int) { backward(kind, x, y, g, d, b, e); }, kMinChunk);
  return info.Env().Undefined();
}

}  // namespace

ACS_EXPORT("unaryForward", UnaryForward);
ACS_EXPORT("unaryBackward", UnaryBackward);

}  // namespace acs
