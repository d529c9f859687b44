// Shared by the ACS kernels (acs.cc: part dispatch, im2col and batched paths; acs_phases.cc: the
// implicit-GEMM geometry and stride phase volumes): one part's geometry and the per-thread buffers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "acs_fast.h"
#include "scratch.h"

namespace acs {

// One part of an ACS convolution: output channels [c0, c1) convolving in the plane that leaves out
// `plane`, over input [N, Cin, D, H, W] → output [N, Cout, oD, oH, oW].
struct Geo {
  int64_t N, Cin, D, H, W, Cout, oD, oH, oW, k;
  int64_t st[3], pd[3], dl[3];
  int64_t groups;
  int plane;  // the sampled axis: 0 = D (axial part), 1 = H (coronal), 2 = W (sagittal)
  // Sampling along that axis: DESIGN §4's ACS rule, or Conv3d's with a unit kernel (Conv2_5d).
  bool conv_rule;
  int64_t c0, c1;
  int64_t in_sp() const { return D * H * W; }
  int64_t out_sp() const { return oD * oH * oW; }
  int64_t Mg() const { return Cout / groups; }
  int64_t Cg() const { return Cin / groups; }
  int64_t Kg() const { return Cg() * k * k; }
};

// A phase-volume buffer: kept across calls up to 16 MiB, above that allocated per call so a large
// volume's copy does not stay resident between steps.
class PhaseBuf {
 public:
  explicit PhaseBuf(size_t n) : p_(n <= (size_t{1} << 22) ? scratch<kAcsPhases>(n) : (own_.resize(n), own_.data())) {}
  float* data() const { return p_; }

 private:
  std::vector<float> own_;
  float* p_;
};

// The implicit-GEMM form of a part (acs_fast.h) when every output axis is ceil(input / stride) long;
// *split: x must first be split into stride phase volumes. False where the fast path does not apply.
bool fast_geometry(const Geo& g, AcsFastConv* f, bool* split);

// Phase volumes of a strided geometry: xs[phase][n][c][j] = x[n, c, st·j + phase] per axis (zero past the end).
inline int64_t phase_count(const Geo& g) { return g.st[0] * g.st[1] * g.st[2]; }
// The phase volumes the parts' taps read.
std::vector<int64_t> used_phases(const Geo& g, const AcsFastConv& f);
void split_phases(const Geo& g, const std::vector<int64_t>& phases, const float* x, float* xs);
// The adjoint of split_phases: dx[n, c, st·j + phase] += dxs[phase][n][c][j].
void merge_phases(const Geo& g, const std::vector<int64_t>& phases, const float* dxs, float* dx);

}  // namespace acs
