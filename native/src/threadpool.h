// Persistent worker pool: creating threads per call costs more than a small layer's work.
#pragma once
#include <cstdint>
#include <functional>

namespace acs {

// Number of threads used by parallel_for (>= 1). Initialised from ACSCONV_NUM_THREADS or the core count.
int num_threads();
void set_num_threads(int n);

// Runs fn(begin, end, thread_index) over [0, n) split into at most num_threads() contiguous chunks.
// Runs inline when n is small or only one thread is configured. Not re-entrant: a nested call runs inline.
void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn, int64_t min_chunk = 1);

}  // namespace acs
