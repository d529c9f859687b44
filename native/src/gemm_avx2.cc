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

ACS_GEMM_TARGET inline void acs_gemm_micro(int64_t kc, const float* a, const float* b, int64_t ldb, const float* pf,
                                           float* c, int64_t ldc, float beta) {
  constexpr int MR = ACS_GEMM_MR, NV = ACS_GEMM_NR / 8;
  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm256_loadu_ps(b + j * 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
    }
    _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(pf + 16), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(pf + 32), _MM_HINT_T0);
    pf += ldb;
    a += MR;
    b += ldb;
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

// dst[c * ldd + r] = src[r * lds + c] for an 8x8 block (the B^T packing of gemm_driver.inc).
#define ACS_GEMM_T8 1
ACS_GEMM_TARGET inline void acs_gemm_t8(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m256 r0 = _mm256_loadu_ps(src + 0 * lds), r1 = _mm256_loadu_ps(src + 1 * lds);
  __m256 r2 = _mm256_loadu_ps(src + 2 * lds), r3 = _mm256_loadu_ps(src + 3 * lds);
  __m256 r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
  __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst + 0 * ldd, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 1 * ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
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
