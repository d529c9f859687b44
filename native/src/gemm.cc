// Packed SGEMM front end: kernel selection, degenerate cases, per-thread packing buffers and the
// split of one call into independent pieces for the thread pool. The arithmetic lives in
// gemm_driver.inc, compiled once per instruction set (gemm_avx512.cc, gemm_avx2.cc, gemm_generic.cc).
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu.h"
#include "gemm_impl.h"
#include "threadpool.h"

namespace acs {
namespace gemm_detail {
namespace {

const KernelSpec* detect() {
  if (isa_has(Isa::kAvx512) && avx512_kernel()) return avx512_kernel();
  if (isa_has(Isa::kAvx2) && avx2_kernel()) return avx2_kernel();
  return generic_kernel();
}

bool supported(const KernelSpec* k) {
  if (k == nullptr) return false;
  if (k == avx512_kernel()) return isa_has(Isa::kAvx512);
  if (k == avx2_kernel()) return isa_has(Isa::kAvx2);
  return k == generic_kernel();
}

const KernelSpec* initial() {
  // ACSCONV_GEMM_KERNEL=avx2|generic forces a slower path (for testing and for comparisons).
  if (const char* env = std::getenv("ACSCONV_GEMM_KERNEL")) {
    for (const KernelSpec* k : {avx512_kernel(), avx2_kernel(), generic_kernel()}) {
      if (k != nullptr && std::strcmp(k->name, env) == 0 && supported(k)) return k;
    }
  }
  return detect();
}

std::atomic<const KernelSpec*>& current() {
  static std::atomic<const KernelSpec*> k{initial()};
  return k;
}

// Per-thread packing buffers, grown on demand and reused across calls (a layer calls sgemm many
// times; allocating and faulting in megabytes each time would cost more than small GEMMs).
class Workspace {
 public:
  ~Workspace() {
    std::free(a_);
    std::free(b_);
  }
  float* a(size_t n) { return grow(a_, a_cap_, n); }
  float* b(size_t n) { return grow(b_, b_cap_, n); }

 private:
  static float* grow(float*& p, size_t& cap, size_t n) {
    if (n > cap) {
      std::free(p);
      size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (p == nullptr) throw std::bad_alloc();
      cap = n;
    }
    return p;
  }
  float* a_ = nullptr;
  float* b_ = nullptr;
  size_t a_cap_ = 0, b_cap_ = 0;
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
int64_t ceil_div(int64_t x, int64_t m) { return (x + m - 1) / m; }

// ACSCONV_GEMM_BLOCKING="mc,kc,nc" overrides the kernel's cache blocking (for tuning on other CPUs).
GemmBlocking blocking_of(const KernelSpec& k) {
  static const GemmBlocking env = [] {
    GemmBlocking b{0, 0, 0};
    if (const char* s = std::getenv("ACSCONV_GEMM_BLOCKING")) {
      long long mc = 0, kc = 0, nc = 0;
      if (std::sscanf(s, "%lld,%lld,%lld", &mc, &kc, &nc) == 3 && mc > 0 && kc > 0 && nc > 0) b = {mc, kc, nc};
    }
    return b;
  }();
  return env.mc > 0 ? env : k.blocking;
}

void run_block(const KernelSpec& k, const GemmProblem& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1,
               int64_t k0, int64_t k1, float beta) {
  const GemmBlocking b = blocking_of(k);
  Workspace& ws = workspace();
  // The driver rounds its K blocks up to a multiple of 8.
  float* ap = ws.a(static_cast<size_t>(round_up(b.mc, k.mr) * round_up(b.kc, 8)));
  float* bp = ws.b(static_cast<size_t>(round_up(b.nc, k.nr) * round_up(b.kc, 8)));
  k.block(p, m0, m1, n0, n1, k0, k1, beta, ap, bp, b);
}

void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.f) {
      std::memset(c, 0, static_cast<size_t>(N) * sizeof(float));  // never reads C (may hold NaN)
    } else if (beta != 1.f) {
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
    }
  }
}

// How one call is cut for the pool: a tm x tn grid of output tiles, each optionally split ks ways
// along K (partial sums reduced afterwards). Cheaper splits pack less redundantly.
struct Split {
  int64_t tm = 1, tn = 1, ks = 1;
};

Split choose_split(const KernelSpec& k, int64_t M, int64_t N, int64_t K, int64_t threads) {
  const int64_t mt = ceil_div(M, k.mr), nt = ceil_div(N, k.nr);
  // Cost in multiply-adds of the slowest piece, padding included, plus packing (A is repacked for
  // every NC block of B, B for every MC block... approximated by one pass each), a reduction pass
  // for K splits and a fixed wake-up cost per extra thread (~5 us).
  constexpr double kPack = 4.0, kReduce = 2.0, kWake = 150000.0;
  Split best;
  double best_cost = 1e300;
  for (int64_t ks = 1; ks <= threads; ++ks) {
    for (int64_t tm = 1; tm * ks <= threads && tm <= mt; ++tm) {
      for (int64_t tn = 1; tn * tm * ks <= threads && tn <= nt; ++tn) {
        if (ks > 1 && ceil_div(K, ks) < 64) continue;
        const double mp = static_cast<double>(ceil_div(mt, tm) * k.mr);
        const double np = static_cast<double>(ceil_div(nt, tn) * k.nr);
        const double kp = static_cast<double>(ceil_div(K, ks));
        const double nblocks = static_cast<double>(ceil_div(static_cast<int64_t>(np), blocking_of(k).nc));
        double cost = mp * np * kp + kPack * kp * (mp * nblocks + np);
        if (ks > 1) cost += kReduce * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(ks);
        cost += kWake * static_cast<double>(tm * tn * ks - 1);
        if (cost < best_cost * 0.98) {  // prefer fewer pieces unless clearly cheaper
          best_cost = cost;
          best = {tm, tn, ks};
        }
      }
    }
  }
  return best;
}

}  // namespace
}  // namespace gemm_detail

using namespace gemm_detail;

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc, bool parallel) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const KernelSpec& k = *current().load(std::memory_order_relaxed);
  const GemmProblem p{trans_a, trans_b, alpha, A, lda, B, ldb, C, ldc};
  const int64_t threads = parallel ? num_threads() : 1;
  const Split s = threads > 1 ? choose_split(k, M, N, K, threads) : Split{};
  const int64_t pieces = s.tm * s.tn * s.ks;
  if (pieces == 1) {
    run_block(k, p, 0, M, 0, N, 0, K, beta);
    return;
  }
  const int64_t mt = ceil_div(M, k.mr), nt = ceil_div(N, k.nr);
  // K-split pieces other than the first accumulate into private M x N partials.
  std::vector<float> partial(s.ks > 1 ? static_cast<size_t>((s.ks - 1) * M * N) : 0);
  std::atomic<bool> ran_whole{false};
  parallel_for(
      pieces,
      [&](int64_t begin, int64_t end, int) {
        if (begin == 0 && end == pieces) {
          // The pool ran us inline (nested call or one thread): one piece is cheapest.
          ran_whole.store(true, std::memory_order_relaxed);
          run_block(k, p, 0, M, 0, N, 0, K, beta);
          return;
        }
        for (int64_t t = begin; t < end; ++t) {
          const int64_t ki = t % s.ks, ni = (t / s.ks) % s.tn, mi = t / (s.ks * s.tn);
          const int64_t m0 = std::min(M, mt * mi / s.tm * k.mr), m1 = std::min(M, mt * (mi + 1) / s.tm * k.mr);
          const int64_t n0 = std::min(N, nt * ni / s.tn * k.nr), n1 = std::min(N, nt * (ni + 1) / s.tn * k.nr);
          const int64_t k0 = K * ki / s.ks, k1 = K * (ki + 1) / s.ks;
          if (m0 >= m1 || n0 >= n1 || k0 >= k1) continue;
          if (ki == 0) {
            run_block(k, p, m0, m1, n0, n1, k0, k1, beta);
          } else {
            GemmProblem q = p;
            q.C = partial.data() + (ki - 1) * M * N;
            q.ldc = N;
            run_block(k, q, m0, m1, n0, n1, k0, k1, 0.f);
          }
        }
      },
      1);
  if (s.ks > 1 && !ran_whole.load(std::memory_order_relaxed)) {
    for (int64_t ki = 1; ki < s.ks; ++ki) {
      const float* src = partial.data() + (ki - 1) * M * N;
      for (int64_t i = 0; i < M; ++i) {
        float* c = C + i * ldc;
        const float* q = src + i * N;
        for (int64_t j = 0; j < N; ++j) c[j] += q[j];
      }
    }
  }
}

const char* sgemm_kernel_name() { return current().load(std::memory_order_relaxed)->name; }

bool sgemm_set_kernel(const char* name) {
  for (const KernelSpec* k : {avx512_kernel(), avx2_kernel(), generic_kernel()}) {
    if (k != nullptr && std::strcmp(k->name, name) == 0 && supported(k)) {
      current().store(k, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

}  // namespace acs
