// Portable SGEMM path (baseline x86-64 SSE2, arm64 NEON via auto-vectorisation): a 4x16 tile of
// plain loops the compiler keeps in vector registers.
#include "gemm_impl.h"

namespace acs {
namespace gemm_detail {
namespace {

#define ACS_GEMM_TARGET
#define ACS_GEMM_MR 4
#define ACS_GEMM_NR 16

inline void acs_gemm_micro(int64_t kc, const float* a, const float* b, int64_t ldb, const float* pf, float* c, int64_t ldc,
                           float beta) {
  constexpr int MR = ACS_GEMM_MR, NR = ACS_GEMM_NR;
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i) {
      const float av = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += av * b[j];
    }
    a += MR;
    b += ldb;
    (void)pf;
  }
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.f) {
      for (int j = 0; j < NR; ++j) ci[j] = acc[i][j];
    } else {
      for (int j = 0; j < NR; ++j) ci[j] = beta * ci[j] + acc[i][j];
    }
  }
}

#include "gemm_driver.inc"

const KernelSpec kSpec = {"generic", kMR, kNR, {/*mc=*/128, /*kc=*/256, /*nc=*/2048}, &gemm_block};

}  // namespace

const KernelSpec* generic_kernel() { return &kSpec; }

}  // namespace gemm_detail
}  // namespace acs
