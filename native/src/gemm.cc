// Baseline blocked SGEMM (correct, portable). The packed SIMD version replaces the inner kernel.
#include "gemm.h"

#include <algorithm>
#include <vector>

#include "threadpool.h"

namespace acs {

static void gemm_rows(bool trans_a, bool trans_b, int64_t i0, int64_t i1, int64_t N, int64_t K,
                      float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                      float* C, int64_t ldc) {
  std::vector<float> brow;
  for (int64_t i = i0; i < i1; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.f) {
      std::fill(c, c + N, 0.f);
    } else if (beta != 1.f) {
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
    }
    for (int64_t k = 0; k < K; ++k) {
      float a = alpha * (trans_a ? A[k * lda + i] : A[i * lda + k]);
      if (a == 0.f) continue;
      if (!trans_b) {
        const float* b = B + k * ldb;
        for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
      } else {
        for (int64_t j = 0; j < N; ++j) c[j] += a * B[j * ldb + k];
      }
    }
  }
}

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc, bool parallel) {
  if (M <= 0 || N <= 0) return;
  auto body = [&](int64_t b, int64_t e, int) {
    gemm_rows(trans_a, trans_b, b, e, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  };
  if (parallel) {
    parallel_for(M, body, 4);
  } else {
    body(0, M, 0);
  }
}

const char* sgemm_kernel_name() { return "generic"; }

}  // namespace acs
