// Baseline build of the elementwise kernels (SSE2 on x86-64, NEON on arm64).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "elementwise.h"

#define ACS_EW_NS ew_generic_ns
#define ACS_EW_NAME "generic"
#define ACS_EW_FMA 0
#include "elementwise_kernels.inc"

namespace acs {
const EwKernels& ew_generic() { return ew_generic_ns::kTable; }
}  // namespace acs
