// Per-thread scratch buffers kept across calls: a fresh megabyte allocation costs a page fault per 4 KiB
// on every call. Each user has its own tag, so buffers one thread holds at the same time never alias.
#pragma once
#include <cstddef>
#include <vector>

namespace acs {

enum ScratchTag : int {
  kAcsTile,       // acs.cc: the im2col tile of a part
  kAcsBatchCol,   // acs.cc: the batched path's column buffer
  kAcsBatchRows,  // acs.cc: the batched path's packed output rows
  kAcsPhases,     // acs_geo.h PhaseBuf: stride phase volumes
  kConvCol,       // conv.cc: the im2col tile
  kConvPartials,  // conv.cc: the weight gradient's per-thread partial sums (the calling thread's buffer)
  kResample,      // resample.cc: the W-interpolated rows of a plane
};

// At least n floats for this thread and tag, contents undefined; valid until the thread's next call with
// the same tag.
template <int Tag>
float* scratch(size_t n) {
  thread_local std::vector<float> ws;
  if (ws.size() < n) ws.resize(n);
  return ws.data();
}

}  // namespace acs
