// Peak single-precision FMA throughput of this CPU, per core and on all requested threads: 24 independent
// accumulator chains of 512-bit FMAs (enough to cover FMA latency × ports), no memory traffic.
// Build and run: scripts/peak-flops.sh   (the benchmarks' "% of peak" columns use the per-core figure).
#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

__attribute__((target("avx512f"))) static double run(long iters) {
  __m512 acc[24];
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  float s = 0;
  for (int i = 0; i < 24; ++i) s += _mm512_reduce_add_ps(acc[i]);
  return s;
}

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const long iters = 200'000'000 / 24;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::thread> pool;
    std::vector<double> sink(threads);
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { sink[t] = run(iters); });
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double gflops = threads * double(iters) * 24 * 16 * 2 / s / 1e9;
    if (gflops > best) best = gflops;
    if (sink[0] == 42) std::printf("-");
  }
  std::printf("%d thread(s): %.0f GFLOP/s (%.0f per core), best of 5\n", threads, best, best / threads);
}
