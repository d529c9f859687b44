// The instruction sets the kernels are built for, and which one this process uses. Every dispatcher
// (GEMM, elementwise, the ACS/conv fast path, norm, pool) asks isa_has() rather than the CPU, so that
// ACSCONV_ISA=avx2|generic makes the whole library take the paths a CPU without AVX-512 (or without
// AVX2) takes: the test suite runs those paths on an AVX-512 machine.
#pragma once

namespace acs {

enum class Isa { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

// The highest level this CPU supports: AVX-512 = F, VL, DQ and BW; AVX2 = AVX2 and FMA.
Isa cpu_isa();
// cpu_isa(), lowered to ACSCONV_ISA when that names a lower level (read once, at first use; an unknown
// value is refused by src/backend/binding.ts before any kernel runs).
Isa isa();
inline bool isa_has(Isa level) { return static_cast<int>(isa()) >= static_cast<int>(level); }
const char* isa_name(Isa level);

}  // namespace acs
