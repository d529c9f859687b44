// Elementwise kernel table. The kernels live in elementwise_kernels.inc, compiled three times
// (baseline x86-64 / other arches, AVX2+FMA, AVX-512) and picked once at run time, so the shipped
// build needs no -march flag. Every kernel works on a sub-range so the caller can thread it.
#pragma once
#include <cstdint>

namespace acs {

// Unary kinds (shared with src/backend/elementwise.ts).
enum UnaryKind : int {
  kExp = 0, kSigmoid = 1, kTanh = 2, kSilu = 3, kGelu = 4, kRelu = 5, kLeakyRelu = 6,
  kHardswish = 7, kHardsigmoid = 8, kGeluTanh = 9,
};
// Binary ops and operand layouts. Channel layouts view the full operand as [outer, C, inner] and the
// other as [C] (broadcast over outer and inner).
enum BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
enum BinaryMode : int { kSame = 0, kScalarB = 1, kScalarA = 2, kChanB = 3, kChanA = 4 };

struct EwKernels {
  const char* name;
  // y[i] = f(x[i]) for i in [b, e); p is the leaky-ReLU slope.
  void (*unary_fwd)(int kind, float p, const float* x, float* y, int64_t b, int64_t e);
  // d[i] = g[i] · f'(.) from x and/or y (whichever the kind reads).
  void (*unary_bwd)(int kind, float p, const float* x, const float* y, const float* g, float* d, int64_t b, int64_t e);
  // o[i] = a op b over flat indices [b, e) of the output.
  void (*binary)(int op, int mode, const float* a, const float* bb, float* o, int64_t C, int64_t inner, int64_t b, int64_t e);
  // acc[r % C] += Σ_j x[r, j] (· y[r, j] when y) for rows r in [rb, re) of length inner.
  void (*chan_sum)(const float* x, const float* y, int64_t C, int64_t inner, double* acc, int64_t rb, int64_t re);
  // acc[j] += Σ_r x[r, j] (· y[r, j]) for rows r in [rb, re) of length C (the inner == 1 layout).
  void (*col_sum)(const float* x, const float* y, int64_t C, double* acc, int64_t rb, int64_t re);
  // Softmax / log-softmax along the middle axis of [outer, n, inner], for one outer index o and
  // inner positions [jb, je) (je - jb <= kSoftmaxBlock).
  void (*softmax_fwd)(bool log, const float* x, float* y, int64_t n, int64_t inner, int64_t o, int64_t jb, int64_t je);
  void (*softmax_bwd)(bool log, const float* y, const float* g, float* d, int64_t n, int64_t inner, int64_t o, int64_t jb, int64_t je);
  // Index of the maximum along the middle axis (first wins, NaN counts as the maximum).
  void (*argmax)(const float* x, int32_t* out, int64_t n, int64_t inner, int64_t o, int64_t jb, int64_t je);
  // y[i] = keep(i) ? x[i] · scale : 0 with keep(i) = hash(key, i) >= threshold.
  void (*dropout)(const float* x, float* y, uint32_t k0, uint32_t k1, uint32_t threshold, float scale, int64_t b, int64_t e);
};

constexpr int64_t kSoftmaxBlock = 256;

const EwKernels& ew_generic();
const EwKernels* ew_avx2();    // nullptr when not compiled for this architecture
const EwKernels* ew_avx512();  // nullptr when not compiled for this architecture

// The fastest table this CPU supports (or the one forced with ew_set).
const EwKernels& ew();
// Forces "generic", "avx2" or "avx512"; false when unavailable.
bool ew_set(const char* name);

// y[o, c, i] += bias[c] for y viewed as [outer, C, inner], threaded: the bias of every convolution kind.
void add_channel(float* y, const float* bias, int64_t outer, int64_t C, int64_t inner);

// y[0, n) = 0, threaded: outputs that kernels then accumulate into.
void zero_fill(float* y, int64_t n);

}  // namespace acs
