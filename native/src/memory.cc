// Large-buffer policy: op outputs and gradients are reused from glibc's heap instead of being mapped
// fresh. Node backs every Float32Array with malloc/calloc. By default glibc maps each buffer above its
// mmap threshold (dynamic, 128 KB–32 MB) anew and unmaps it on free, so the activations of every step are
// page-faulted in again: ≈ 2.5 ms per 8 MB here, with TLB shootdowns to the other thread on unmap, which
// cost an ACS layer's forward+backward more than its arithmetic and the UNet step a quarter of its time.
// With mmap off and no trimming, freed buffers stay resident and the next step's buffers of the same sizes
// reuse them with no fault (calloc clears them, ≈ 10× cheaper than faulting), as a caching allocator
// would. The heap keeps its high-water mark; releaseFreeMemory() hands the free part back to the system.
// See docs/decisions.md.
#include <napi.h>

#include <cstdint>

#include "registry.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace acs {
namespace {

#if defined(__GLIBC__) && defined(M_MMAP_MAX) && defined(M_TRIM_THRESHOLD)
struct HeapPolicy {
  HeapPolicy() {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
  }
} heap_policy;
#endif

// releaseFreeMemory() → whether memory was returned (glibc's malloc_trim; false elsewhere).
Napi::Value ReleaseFreeMemory(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// alignmentPad(buffer) → bytes from the start of the ArrayBuffer to its first 64-byte boundary.
Napi::Value AlignmentPad(const Napi::CallbackInfo& info) {
  const auto p = reinterpret_cast<uintptr_t>(info[0].As<Napi::ArrayBuffer>().Data());
  return Napi::Number::New(info.Env(), static_cast<double>((64 - p % 64) % 64));
}

}  // namespace
}  // namespace acs

ACS_EXPORT("releaseFreeMemory", acs::ReleaseFreeMemory);
ACS_EXPORT("alignmentPad", acs::AlignmentPad);
