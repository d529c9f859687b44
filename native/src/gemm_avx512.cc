// AVX-512 SGEMM path: an 8x48 register tile (24 zmm accumulators, 3 B vectors, 1 broadcast). On
// this CPU zmm FMAs issue as two 256-bit halves, so the win over AVX2 is the 32-register file that
// allows the larger tile: fewer loads per FMA and fewer passes over C.
#include "gemm_impl.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace acs {
namespace gemm_detail {
namespace {

#define ACS_GEMM_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))
#define ACS_GEMM_MR 8
#define ACS_GEMM_NR 48

ACS_GEMM_TARGET inline void acs_gemm_micro(int64_t kc, const float* a, const float* b, float* c,
                                           int64_t ldc, float beta) {
  constexpr int MR = ACS_GEMM_MR, NV = ACS_GEMM_NR / 16;
  __m512 acc[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_load_ps(b + j * 16);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += ACS_GEMM_NR;
  }
  if (beta == 0.f) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) _mm512_storeu_ps(c + i * ldc + j * 16, acc[i][j]);
  } else if (beta == 1.f) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) {
        float* cp = c + i * ldc + j * 16;
        _mm512_storeu_ps(cp, _mm512_add_ps(_mm512_loadu_ps(cp), acc[i][j]));
      }
  } else {
    const __m512 bb = _mm512_set1_ps(beta);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) {
        float* cp = c + i * ldc + j * 16;
        _mm512_storeu_ps(cp, _mm512_fmadd_ps(bb, _mm512_loadu_ps(cp), acc[i][j]));
      }
  }
}

#include "gemm_driver.inc"

const KernelSpec kSpec = {"avx512", kMR, kNR, {/*mc=*/144, /*kc=*/256, /*nc=*/3072}, &gemm_block};

}  // namespace

const KernelSpec* avx512_kernel() { return &kSpec; }

}  // namespace gemm_detail
}  // namespace acs

#else
namespace acs {
namespace gemm_detail {
const KernelSpec* avx512_kernel() { return nullptr; }
}  // namespace gemm_detail
}  // namespace acs
#endif
