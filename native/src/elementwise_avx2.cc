// AVX2 + FMA build of the elementwise kernels (selected at run time, see elementwise.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "elementwise.h"

#if defined(__x86_64__) || defined(__i386__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define ACS_EW_NS ew_avx2_ns
#define ACS_EW_NAME "avx2"
#define ACS_EW_FMA 1
#include "elementwise_kernels.inc"
#pragma GCC pop_options
namespace acs {
const EwKernels* ew_avx2() { return &ew_avx2_ns::kTable; }
}  // namespace acs
#else
namespace acs {
const EwKernels* ew_avx2() { return nullptr; }
}  // namespace acs
#endif
