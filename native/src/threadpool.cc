#include "threadpool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace acs {
namespace {

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
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &fn;
      job_n_ = n;
      job_chunks_ = chunks;
      remaining_ = static_cast<int>(chunks) - 1;
      ++generation_;
    }
    cv_.notify_all();
    in_parallel_ = true;
    run_chunk(0);
    in_parallel_ = false;
    std::unique_lock<std::mutex> lk(m_);
    done_cv_.wait(lk, [&] { return remaining_ == 0; });
    job_ = nullptr;
  }

 private:
  void run_chunk(int64_t c) {
    int64_t begin = job_n_ * c / job_chunks_;
    int64_t end = job_n_ * (c + 1) / job_chunks_;
    if (begin < end) (*job_)(begin, end, static_cast<int>(c));
  }

  void ensure_started() {
    if (!workers_.empty() || threads_ <= 1) return;
    quit_ = false;
    // Workers must start from the generation before the job about to be published: a worker that
    // read generation_ itself after run() incremented it would miss that job and deadlock run().
    const uint64_t start = generation_;
    for (int i = 1; i < threads_; ++i) {
      workers_.emplace_back([this, i, start] { worker(i, start); });
    }
  }

  void worker(int index, uint64_t seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
      }
      if (index < job_chunks_) {
        in_parallel_ = true;
        run_chunk(index);
        in_parallel_ = false;
        std::lock_guard<std::mutex> lk(m_);
        if (--remaining_ == 0) done_cv_.notify_one();
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
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
  int64_t job_n_ = 0, job_chunks_ = 1;
  int remaining_ = 0;
  uint64_t generation_ = 0;
  bool quit_ = false;
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
