// N-API entry points of the elementwise family: activations, broadcast arithmetic, per-channel sums,
// softmax over a middle axis, argmax and dropout. The loops themselves are in
// elementwise_kernels.inc (one build per instruction set); here they are dispatched and threaded.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu.h"
#include "elementwise.h"
#include "napi_args.h"
#include "registry.h"
#include "threadpool.h"

namespace acs {

namespace {

// Chunks of at least this many elements per thread: below it, waking a worker costs more than it saves.
constexpr int64_t kMinChunk = 1 << 16;

const EwKernels* pick_best() {
  if (ew_avx512() && isa_has(Isa::kAvx512)) return ew_avx512();
  if (ew_avx2() && isa_has(Isa::kAvx2)) return ew_avx2();
  return &ew_generic();
}

const EwKernels*& current() {
  static const EwKernels* k = pick_best();
  return k;
}

}  // namespace

const EwKernels& ew() { return *current(); }

void add_channel(float* y, const float* bias, int64_t outer, int64_t C, int64_t inner) {
  parallel_for(outer * C, [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r) {
      const float v = bias[r % C];
      float* row = y + r * inner;
      for (int64_t i = 0; i < inner; ++i) row[i] += v;
    }
  }, std::max<int64_t>(1, kMinChunk / std::max<int64_t>(1, inner)));
}

void zero_fill(float* y, int64_t n) {
  parallel_for(n, [&](int64_t b, int64_t e, int) { std::memset(y + b, 0, sizeof(float) * (e - b)); }, kMinChunk);
}

bool ew_set(const char* name) {
  const std::string n(name);
  if (n == "best") {
    current() = pick_best();
    return true;
  }
  const EwKernels* k = nullptr;
  if (n == "avx512" && isa_has(Isa::kAvx512)) k = ew_avx512();
  if (n == "avx2" && isa_has(Isa::kAvx2)) k = ew_avx2();
  if (n == "generic") k = &ew_generic();
  if (!k) return false;
  current() = k;
  return true;
}

namespace {

// Number of inner-position blocks per outer index for the middle-axis kernels.
int64_t blocks(int64_t inner) { return (inner + kSoftmaxBlock - 1) / kSoftmaxBlock; }

// Runs fn(o, jb, je) over every (outer index, inner block), threaded.
template <class Fn>
void for_blocks(int64_t outer, int64_t n, int64_t inner, const Fn& fn) {
  const int64_t nb = blocks(inner);
  const int64_t per = std::max<int64_t>(1, n * kSoftmaxBlock);
  parallel_for(outer * nb, [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / nb, jb = (t % nb) * kSoftmaxBlock;
      fn(o, jb, std::min(inner, jb + kSoftmaxBlock));
    }
  }, std::max<int64_t>(1, kMinChunk / per));
}

Napi::Value EwKernel(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ew().name); }

Napi::Value EwSetKernel(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(info.Env(), ew_set(name.c_str()));
}

float param(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? static_cast<float>(dbl(info, i)) : 0.0f;
}

// unaryForward(kind, x, y, n, p?)
Napi::Value UnaryForward(const Napi::CallbackInfo& info) {
  const int kind = static_cast<int>(num(info, 0));
  const float* x = f32(info, 1);
  float* y = f32(info, 2);
  const int64_t n = num(info, 3);
  const float p = param(info, 4);
  const EwKernels& k = ew();
  parallel_for(n, [&](int64_t b, int64_t e, int) { k.unary_fwd(kind, p, x, y, b, e); }, kMinChunk);
  return info.Env().Undefined();
}

// unaryBackward(kind, x | null, y | null, g, d, n, p?)
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  const int kind = static_cast<int>(num(info, 0));
  const float* x = f32_or_null(info, 1);
  const float* y = f32_or_null(info, 2);
  const float* g = f32(info, 3);
  float* d = f32(info, 4);
  const int64_t n = num(info, 5);
  const float p = param(info, 6);
  const EwKernels& k = ew();
  parallel_for(n, [&](int64_t b, int64_t e, int) { k.unary_bwd(kind, p, x, y, g, d, b, e); }, kMinChunk);
  return info.Env().Undefined();
}

// binaryOp(op, mode, a, b, out, n, C, inner)
Napi::Value BinaryOpFn(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(num(info, 0));
  const int mode = static_cast<int>(num(info, 1));
  const float* a = f32(info, 2);
  const float* b = f32(info, 3);
  float* o = f32(info, 4);
  const int64_t n = num(info, 5);
  const int64_t C = std::max<int64_t>(1, num(info, 6));
  const int64_t inner = std::max<int64_t>(1, num(info, 7));
  const EwKernels& k = ew();
  parallel_for(n, [&](int64_t s, int64_t e, int) { k.binary(op, mode, a, b, o, C, inner, s, e); }, kMinChunk);
  return info.Env().Undefined();
}

// chanSum(x, y | null, outer, C, inner, out[C]): out[c] = Σ over outer and inner of x (· y), in float64.
Napi::Value ChanSum(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  const float* y = f32_or_null(info, 1);
  const int64_t outer = num(info, 2), C = num(info, 3), inner = num(info, 4);
  float* out = f32(info, 5);
  const int T = num_threads();
  std::vector<double> part(static_cast<size_t>(T) * C, 0.0);
  const EwKernels& k = ew();
  if (inner == 1) {
    parallel_for(outer, [&](int64_t b, int64_t e, int t) { k.col_sum(x, y, C, &part[t * C], b, e); },
                 std::max<int64_t>(1, kMinChunk / std::max<int64_t>(1, C)));
  } else {
    parallel_for(outer * C, [&](int64_t b, int64_t e, int t) { k.chan_sum(x, y, C, inner, &part[t * C], b, e); },
                 std::max<int64_t>(1, kMinChunk / inner));
  }
  for (int64_t c = 0; c < C; ++c) {
    double s = 0.0;
    for (int t = 0; t < T; ++t) s += part[t * C + c];
    out[c] = static_cast<float>(s);
  }
  return info.Env().Undefined();
}

// softmaxForward(log, x, y, outer, n, inner)
Napi::Value SoftmaxForward(const Napi::CallbackInfo& info) {
  const bool log = flag(info, 0);
  const float* x = f32(info, 1);
  float* y = f32(info, 2);
  const int64_t outer = num(info, 3), n = num(info, 4), inner = num(info, 5);
  const EwKernels& k = ew();
  for_blocks(outer, n, inner, [&](int64_t o, int64_t jb, int64_t je) { k.softmax_fwd(log, x, y, n, inner, o, jb, je); });
  return info.Env().Undefined();
}

// softmaxBackward(log, y, g, d, outer, n, inner)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  const bool log = flag(info, 0);
  const float* y = f32(info, 1);
  const float* g = f32(info, 2);
  float* d = f32(info, 3);
  const int64_t outer = num(info, 4), n = num(info, 5), inner = num(info, 6);
  const EwKernels& k = ew();
  for_blocks(outer, n, inner, [&](int64_t o, int64_t jb, int64_t je) { k.softmax_bwd(log, y, g, d, n, inner, o, jb, je); });
  return info.Env().Undefined();
}

// argmaxMiddle(x, out, outer, n, inner)
Napi::Value ArgmaxMiddle(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  int32_t* out = i32(info, 1);
  const int64_t outer = num(info, 2), n = num(info, 3), inner = num(info, 4);
  const EwKernels& k = ew();
  for_blocks(outer, n, inner, [&](int64_t o, int64_t jb, int64_t je) { k.argmax(x, out, n, inner, o, jb, je); });
  return info.Env().Undefined();
}

// dropoutApply(x, y, n, k0, k1, threshold, scale)
Napi::Value DropoutApply(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  float* y = f32(info, 1);
  const int64_t n = num(info, 2);
  const uint32_t k0 = static_cast<uint32_t>(num(info, 3)), k1 = static_cast<uint32_t>(num(info, 4));
  const uint32_t thr = static_cast<uint32_t>(num(info, 5));
  const float scale = static_cast<float>(dbl(info, 6));
  const EwKernels& k = ew();
  parallel_for(n, [&](int64_t b, int64_t e, int) { k.dropout(x, y, k0, k1, thr, scale, b, e); }, kMinChunk);
  return info.Env().Undefined();
}

// addInPlace(dst, src, n): dst += src. Gradient accumulation; a separate entry because binaryOp's
// operands are restrict-qualified and may not alias its output.
Napi::Value AddInPlace(const Napi::CallbackInfo& info) {
  float* dst = f32(info, 0);
  const float* src = f32(info, 1);
  const int64_t n = num(info, 2);
  parallel_for(n, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) dst[i] += src[i];
  }, kMinChunk);
  return info.Env().Undefined();
}

// addChannelInPlace(y, b, outer, C, inner): y[o, c, i] += b[c] (a bias over [outer, C, inner]).
Napi::Value AddChannelInPlace(const Napi::CallbackInfo& info) {
  add_channel(f32(info, 0), f32(info, 1), num(info, 2), num(info, 3), num(info, 4));
  return info.Env().Undefined();
}

}  // namespace

ACS_EXPORT("ewKernel", EwKernel);
ACS_EXPORT("ewSetKernel", EwSetKernel);
ACS_EXPORT("unaryForward", UnaryForward);
ACS_EXPORT("unaryBackward", UnaryBackward);
ACS_EXPORT("binaryOp", BinaryOpFn);
ACS_EXPORT("chanSum", ChanSum);
ACS_EXPORT("softmaxForward", SoftmaxForward);
ACS_EXPORT("softmaxBackward", SoftmaxBackward);
ACS_EXPORT("argmaxMiddle", ArgmaxMiddle);
ACS_EXPORT("dropoutApply", DropoutApply);
ACS_EXPORT("addInPlace", AddInPlace);
ACS_EXPORT("addChannelInPlace", AddChannelInPlace);

}  // namespace acs
