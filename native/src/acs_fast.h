// Implicit-GEMM fast path of the ACS kernels (acs_fast.cc) for "same"-style geometries: output size
// ceil(input / stride) on every axis (stride 1 same-size, and strided convs with padding k/2), with AVX-512
// or AVX2 microkernels. Then every tap of a part reads the input at a constant flattened offset, so the
// taps are fed straight from x (masked loads zero the padding) with no column buffer, and the output is
// written once, in place.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace acs {

// Strided geometries enter as phase volumes: with stride s_a and ceil(n_a / s_a) = o_a on every axis, the
// input splits into s_d·s_h·s_w phase volumes of the output's size ([phase][N][Cin][oD·oH·oW], zeros past the
// input's end), and every tap reads one phase at a constant offset: a stride-1 same-size problem again.
struct AcsFastTap {
  int64_t d, h, w;    // offset in phase-volume coordinates
  int64_t phase_off;  // element offset of the tap's phase volume (0 without a split)
};

// Output channels [c0, c1) of a convolution and the taps they convolve with, in the weight's order: an
// ACS part (k² taps in its plane) or a whole Conv3d (kD·kH·kW taps).
struct AcsFastPart {
  int64_t c0, c1;
  std::vector<AcsFastTap> taps;
};

// One convolution made of parts over disjoint output channels, every tap of which reads the input at a
// constant offset. The weight is [Cout, Cin/groups, taps] with the same tap count in every part, so the
// kernels need not know which plane a part convolves or how many axes its taps span. The three parts of
// an ACS convolution run as one: one pass over the tiles, their input gradients summed in registers.
struct AcsFastConv {
  int64_t N, Cin, Cout, D, H, W, groups;  // D, H, W: the output (= phase volume) size
  std::vector<AcsFastPart> parts;
  int64_t taps_per_part() const { return parts.empty() ? 0 : static_cast<int64_t>(parts[0].taps.size()); }
};

// The fast path takes kernels up to this many taps wide along an axis (callers check).
constexpr int64_t kAcsFastMaxKernel = 250;

// Whether the CPU runs the fast path's AVX-512 pieces (FastA GEMMs, stride-2 gathers) and it is enabled
// (acsSetFastPath, for tests and comparisons).
bool acs_fast_usable();
// Whether the implicit-GEMM convolutions (acs_fast_forward / _backward_input / _backward_weight) run: with
// AVX-512, or with their AVX2 microkernels (isa() >= avx2), while enabled.
bool acs_fast_direct_usable();
// Whether the fast paths are enabled at all (the batched small-output path runs on any CPU, with sgemm
// where AVX-512 is missing); false routes everything through the plain im2col path.
bool acs_fast_enabled();
// y[n, c0:c1] = each part's convolution (+ bias[c] when bias is given; overwrites those channels).
void acs_fast_forward(const AcsFastConv& c, const float* x, const float* w, const float* bias, float* y);
// dx += the parts' input gradients (dx laid out as the phase volumes, like x); with accumulate false,
// dx = them (every element written once; only for a convolution whose taps all read one phase volume).
void acs_fast_backward_input(const AcsFastConv& c, const float* dy, const float* w, float* dx, bool accumulate);
// dw[c0:c1] += each part's weight gradient.
void acs_fast_backward_weight(const AcsFastConv& c, const float* x, const float* dy, float* dw);

// A matrix A[M, K] (element (m, k) at a[m·lda + k·ska]) packed into the register blocks of the fast
// microkernels, for GEMMs whose B is an already gathered column buffer (strided or batched geometries).
// Blocks are stored back to back in buf (block i at offset K·r0[i]); reusing one FastA keeps its buffer.
struct FastA {
  int64_t M = 0, K = 0;
  std::vector<int64_t> r0;
  std::vector<int> rows;
  std::vector<float> buf;
  const float* ext = nullptr;  // unpacked: block i at ext + r0[i], row k at + k·ext_step
  int64_t ext_step = 0;
  const float* block(size_t i) const { return ext ? ext + r0[i] : buf.data() + K * r0[i]; }
  int64_t astep(size_t i) const { return ext ? ext_step : rows[i]; }
};
void acs_fast_pack_a(FastA& out, const float* a, int64_t M, int64_t K, int64_t lda, int64_t ska);
// C[0:M, 0:ncols] (=|+=) A · B, B[K, ncols] with row stride ldb, single-threaded (callers thread over tiles).
void acs_fast_gemm(const FastA& A, const float* b, int64_t ldb, int64_t ncols, float* c, int64_t ldc, bool accumulate);
// The same, threaded over (64-column tile, row block) pairs.
void acs_fast_gemm_parallel(const FastA& A, const float* b, int64_t ldb, int64_t ncols, float* c, int64_t ldc,
                            bool accumulate);

// dst[i] = src[2i] for i < n (stride-2 runs of im2col), and its adjoint dst[2i] += src[i]. AVX-512 only:
// callers check acs_fast_usable().
void acs_fast_gather2(float* dst, const float* src, int64_t n);
void acs_fast_scatter_add2(float* dst, const float* src, int64_t n);

}  // namespace acs
