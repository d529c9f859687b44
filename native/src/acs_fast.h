// Implicit-GEMM fast path of the ACS kernels (acs_fast.cc) for the common "same" geometry: stride 1 and
// output size equal to the input size on every axis, AVX-512 only. Then every tap of a part reads the
// input at a constant flattened offset, so the taps are fed straight from x (masked loads zero the
// padding) with no column buffer, and the output is written once, in place.
#pragma once
#include <cstdint>

namespace acs {

struct AcsFastPart {
  int64_t N, Cin, Cout, D, H, W, k, groups;
  int plane;       // the sampled axis: 0 = D (axial), 1 = H (coronal), 2 = W (sagittal)
  int64_t c0, c1;  // the part's output channels
  int64_t off0[3];  // per axis: offset of tap 0 (on the sampled axis: its constant offset)
  int64_t step[3];  // per axis: offset step per tap (0 on the sampled axis)
};

// Whether the CPU runs the fast path and it is enabled (acsSetFastPath, for tests and comparisons).
bool acs_fast_usable();
// y[n, c0:c1] = the part's convolution (overwrites).
void acs_fast_forward(const AcsFastPart& p, const float* x, const float* w, float* y);
// dx += the part's input gradient.
void acs_fast_backward_input(const AcsFastPart& p, const float* dy, const float* w, float* dx);
// dw[c0:c1] += the part's weight gradient.
void acs_fast_backward_weight(const AcsFastPart& p, const float* x, const float* dy, float* dw);

}  // namespace acs
