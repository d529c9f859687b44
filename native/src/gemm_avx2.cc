// AVX2+FMA SGEMM path: a 6x16 register tile (12 ymm accumulators, 2 B vectors, 1 broadcast) —
// enough independent FMAs to cover the 4-cycle latency on both pipes within 16 registers.
#include "gemm_impl.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace acs {
namespace gemm_detail {
namespace {

#define ACS_GEMM_TARGET __attribute__((target("avx2,fma")))
#define ACS_GEMM_MR 6
#define ACS_GEMM_NR 16

ACS_GEMM_TARGET inline void acs_gemm_micro(int64_t kc, const float* a, const float* b, float* c,
                                           int64_t ldc, float beta) {
  constexpr int MR = ACS_GEMM_MR, NV = ACS_GEMM_NR / 8;
  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm256_load_ps(b + j * 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += ACS_GEMM_NR;
  }
  if (beta == 0.f) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) _mm256_storeu_ps(c + i * ldc + j * 8, acc[i][j]);
  } else if (beta == 1.f) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) {
        float* cp = c + i * ldc + j * 8;
        _mm256_storeu_ps(cp, _mm256_add_ps(_mm256_loadu_ps(cp), acc[i][j]));
      }
  } else {
    const __m256 bb = _mm256_set1_ps(beta);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) {
        float* cp = c + i * ldc + j * 8;
        _mm256_storeu_ps(cp, _mm256_fmadd_ps(bb, _mm256_loadu_ps(cp), acc[i][j]));
      }
  }
}

#include "gemm_driver.inc"

const KernelSpec kSpec = {"avx2", kMR, kNR, {/*mc=*/144, /*kc=*/256, /*nc=*/3072}, &gemm_block};

}  // namespace

const KernelSpec* avx2_kernel() { return &kSpec; }

}  // namespace gemm_detail
}  // namespace acs

#else
namespace acs {
namespace gemm_detail {
const KernelSpec* avx2_kernel() { return nullptr; }
}  // namespace gemm_detail
}  // namespace acs
#endif
