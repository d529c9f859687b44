// Large-buffer policy. Node backs every Float32Array with malloc/calloc. By default glibc maps a buffer
// above its (dynamic, 128 KB–32 MB) mmap threshold anew and unmaps it on free, so the activations of every
// step are page-faulted in again: ≈ 2.5 ms per 8 MB here, with TLB shootdowns on unmap, which cost an ACS
// layer's forward+backward more than its arithmetic. So:
//  - below 32 MB (glibc's largest threshold), buffers come from the heap, and a high trim threshold keeps
//    freed ones resident for the next step's buffers of the same sizes, as PyTorch's CPU tensors get from
//    glibc's dynamic threshold;
//  - from 32 MB up, each buffer is its own mapping, returned whole on free; alloc.ts advises huge pages on
//    it, which cuts the fault cost about fourfold (advice on heap memory would outlive free()).
// See docs/decisions.md.
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

#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
constexpr int kMmapThreshold = 32 << 20;   // = alloc.ts HUGE_PAGE_MIN_BYTES
constexpr int kTrimThreshold = 256 << 20;  // free memory kept at the heap's top before it is returned

struct HeapPolicy {
  HeapPolicy() {
    mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
  }
} heap_policy;
#endif

}  // namespace
}  // namespace acs
