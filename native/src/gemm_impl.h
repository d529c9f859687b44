// Internals shared by the SGEMM driver (gemm.cc) and its per-ISA kernels (gemm_<isa>.cc).
#pragma once
#include <cstdint>

namespace acs {
namespace gemm_detail {

struct GemmProblem {
  bool trans_a, trans_b;
  float alpha;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float* C;
  int64_t ldc;
};

// Cache blocking in elements: KC*NR floats of B and MR*KC of A feed the microkernel from L1/L2,
// MC*KC of packed A stays in L2, KC*NC of packed B in L3.
struct GemmBlocking {
  int64_t mc, kc, nc;
};

// Single-threaded block routine of one instruction set (see gemm_driver.inc).
using BlockFn = void (*)(const GemmProblem&, int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t k0,
                         int64_t k1, float beta, float* ap, float* bp, const GemmBlocking&);

struct KernelSpec {
  const char* name;
  int64_t mr, nr;
  GemmBlocking blocking;
  BlockFn block;
};

// Each returns nullptr when that path is not compiled for this architecture.
const KernelSpec* avx512_kernel();
const KernelSpec* avx2_kernel();
const KernelSpec* generic_kernel();

}  // namespace gemm_detail
}  // namespace acs
