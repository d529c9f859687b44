#include "cpu.h"

#include <cstdlib>
#include <cstring>

#include "napi_args.h"
#include "registry.h"

namespace acs {

Isa cpu_isa() {
  static const Isa level = [] {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw")) {
      return Isa::kAvx512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
#endif
    return Isa::kGeneric;
  }();
  return level;
}

const char* isa_name(Isa level) {
  switch (level) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "generic";
  }
}

Isa isa() {
  static const Isa level = [] {
    const Isa best = cpu_isa();
    const char* cap = std::getenv("ACSCONV_ISA");
    if (cap == nullptr) return best;
    for (const Isa l : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
      if (std::strcmp(cap, isa_name(l)) == 0) return static_cast<int>(l) < static_cast<int>(best) ? l : best;
    }
    return best;
  }();
  return level;
}

namespace {
// isa() → the level's name; cpuIsa() → what the CPU supports.
Napi::Value IsaName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), isa_name(isa())); }
Napi::Value CpuIsaName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), isa_name(cpu_isa())); }
}  // namespace

}  // namespace acs

ACS_EXPORT("isa", acs::IsaName);
ACS_EXPORT("cpuIsa", acs::CpuIsaName);
