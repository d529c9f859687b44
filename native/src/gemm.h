// Single-precision GEMM, row-major: C = alpha * op(A) * op(B) + beta * C.
// op(A) is M x K, op(B) is K x N. lda/ldb/ldc are row strides of the matrices as stored.
#pragma once
#include <cstdint>

namespace acs {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
           bool parallel = true);

// Name of the kernel variant selected at run time ("avx512", "avx2", "generic").
const char* sgemm_kernel_name();

// Selects a kernel variant by name ("avx512", "avx2", "generic") for all later calls; returns false
// (and changes nothing) when that variant is unknown or unsupported on this CPU. For tests and
// benchmarks; ACSCONV_GEMM_KERNEL sets the initial choice the same way.
bool sgemm_set_kernel(const char* name);

}  // namespace acs
