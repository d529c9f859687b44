#include "threadpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace acs {
namespace {

// Waits for `done()` by spinning for up to kSpin before the caller blocks: waking a sleeping thread costs
// tens of microseconds on a virtual machine, and a layer runs several parallel regions back to back (weight
// packing, then the tiles), so a worker that just finished one usually finds the next within the spin.
constexpr auto kSpin = std::chrono::microseconds(100);

template <typename F>
bool spin_until(F done) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() >= until) return done();
  }
}

class Pool {
 public:
  Pool() {
    int n = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* env = std::getenv("ACSCONV_NUM_THREADS")) {
      int v = std::atoi(env);
      if (v > 0) n = v;
    }
    threads_ = n < 1 ? 1 : n;
  }
  ~Pool() { stop(); }

  int threads() const { return threads_; }

  void set_threads(int n) {
    if (n < 1) n = 1;
    std::lock_guard<std::mutex> call_lock(call_mutex_);
    stop();
    threads_ = n;
  }

  void run(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn, int64_t min_chunk) {
    int64_t chunks = threads_;
    if (min_chunk < 1) min_chunk = 1;
    if (n / min_chunk < chunks) chunks = n / min_chunk;
    if (chunks <= 1 || in_parallel_) {
      if (n > 0) fn(0, n, 0);
      return;
    }
    std::lock_guard<std::mutex> call_lock(call_mutex_);
    ensure_started();
    job_ = &fn;
    job_n_ = n;
    remaining_.store(static_cast<int>(chunks) - 1, std::memory_order_relaxed);
    {
      // Under m_, so a worker checking the state before it sleeps cannot miss the change.
      std::lock_guard<std::mutex> lk(m_);
      const uint64_t gen = (state_.load(std::memory_order_relaxed) >> kChunkBits) + 1;
      state_.store(gen << kChunkBits | static_cast<uint64_t>(chunks), std::memory_order_release);
    }
    cv_.notify_all();
    in_parallel_ = true;
    run_chunk(0, chunks);
    in_parallel_ = false;
    if (!spin_until([&] { return remaining_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lk(m_);
      done_cv_.wait(lk, [&] { return remaining_.load(std::memory_order_acquire) == 0; });
    }
    job_ = nullptr;
  }

 private:
  // state_: the job's generation above kChunkBits, its chunk count below, published in one word so a
  // worker reads both together (a worker a job does not need must not mistake the next job's count for it).
  static constexpr int kChunkBits = 20;

  void run_chunk(int64_t c, int64_t chunks) {
    int64_t begin = job_n_ * c / chunks;
    int64_t end = job_n_ * (c + 1) / chunks;
    if (begin < end) (*job_)(begin, end, static_cast<int>(c));
  }

  void ensure_started() {
    if (!workers_.empty() || threads_ <= 1) return;
    quit_.store(false);
    // Workers start from the current generation: the job about to be published is new to them.
    const uint64_t start = state_.load(std::memory_order_relaxed) >> kChunkBits;
    for (int i = 1; i < threads_; ++i) {
      workers_.emplace_back([this, i, start] { worker(i, start); });
    }
  }

  void worker(int index, uint64_t seen) {
    for (;;) {
      uint64_t st = 0;
      auto fresh = [&] {
        st = state_.load(std::memory_order_acquire);
        return quit_.load(std::memory_order_relaxed) || (st >> kChunkBits) != seen;
      };
      if (!spin_until(fresh)) {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, fresh);
      }
      if (quit_.load()) return;
      seen = st >> kChunkBits;
      const int64_t chunks = static_cast<int64_t>(st & ((uint64_t{1} << kChunkBits) - 1));
      // A job that needs this worker cannot finish, nor the next be published, before it is done here.
      if (index < chunks) {
        in_parallel_ = true;
        run_chunk(index, chunks);
        in_parallel_ = false;
        if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          std::lock_guard<std::mutex> lk(m_);
          done_cv_.notify_one();
        }
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_.store(true);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex call_mutex_;
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int64_t, int64_t, int)>* job_ = nullptr;
  int64_t job_n_ = 0;
  std::atomic<int> remaining_{0};
  std::atomic<uint64_t> state_{0};
  std::atomic<bool> quit_{false};
  static thread_local bool in_parallel_;
};

thread_local bool Pool::in_parallel_ = false;

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int num_threads() { return pool().threads(); }
void set_num_threads(int n) { pool().set_threads(n); }
void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn, int64_t min_chunk) {
  pool().run(n, fn, min_chunk);
}

}  // namespace acs
