// Large-buffer page policy. A fresh 100 MB activation is faulted in 4 KiB pages on first touch
// (≈ 40 ms, ten times the cost of writing it); asking for transparent huge pages on the untouched
// range cuts that to ≈ 10 ms. Where THP is off or unsupported, the advice is a no-op.
#include <napi.h>

#include <cstdint>

#include "napi_args.h"
#include "registry.h"

#if defined(__linux__)
#include <malloc.h>
#include <sys/mman.h>
#endif

namespace acs {
namespace {

Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  auto arr = info[0].As<Napi::TypedArray>();
  const uintptr_t huge = uintptr_t(2) << 20;
  auto begin = reinterpret_cast<uintptr_t>(static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset());
  uintptr_t end = begin + arr.ByteLength();
  uintptr_t a = (begin + huge - 1) & ~(huge - 1);
  uintptr_t b = end & ~(huge - 1);
  if (b > a) madvise(reinterpret_cast<void*>(a), b - a, MADV_HUGEPAGE);
#endif
  return info.Env().Undefined();
}

ACS_EXPORT("adviseHugePages", AdviseHugePages);

#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
// glibc raises its mmap threshold after each large free (up to 32 MB), after which 8-32 MB activations
// come from the heap: huge-page advice there outlives free() and tripled a small CNN step's peak RSS. A
// fixed threshold equal to alloc.ts's advice threshold (8 MB) keeps every advised buffer in its own
// mapping, returned whole on free, while smaller buffers keep being reused from the heap.
struct FixMmapThreshold {
  FixMmapThreshold() { mallopt(M_MMAP_THRESHOLD, 8 << 20); }
} fix_mmap_threshold;
#endif

}  // namespace
}  // namespace acs
