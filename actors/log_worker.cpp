#include "actors/log_worker.hpp"

#include <utility>

namespace stevedore {

struct log_worker::queue {
  mutable std::mutex mutex;
  mutable std::condition_variable cv;       // the thread waits here for jobs
  mutable std::condition_variable idle_cv;  // wait_idle waits here
  std::deque<job> jobs;
  bool busy = false;                        // the thread is writing a taken batch
  bool stopping = false;
  counters totals;
};

log_worker::log_worker() : q_(std::make_shared<queue>()) {
  // The thread holds the queue, so it may outlive this object.
  std::thread(&log_worker::run, q_).detach();
}

std::shared_ptr<log_worker> log_worker::make() {
  return std::shared_ptr<log_worker>(new log_worker());
}

std::shared_ptr<log_worker> log_worker::shared() {
  static std::mutex mutex;
  static std::weak_ptr<log_worker> instance;
  std::lock_guard<std::mutex> lock(mutex);
  auto w = instance.lock();
  if (!w) {
    w = make();
    instance = w;
  }
  return w;
}

log_worker::~log_worker() {
  std::lock_guard<std::mutex> lock(q_->mutex);
  q_->stopping = true;
  q_->cv.notify_all();
}

void log_worker::write(std::shared_ptr<rotating_file> file, std::string bytes, done_fn done) {
  std::lock_guard<std::mutex> lock(q_->mutex);
  q_->totals.bytes += static_cast<std::int64_t>(bytes.size());
  q_->jobs.push_back(job{std::move(file), std::move(bytes), std::move(done), {}});
  q_->cv.notify_one();
}

void log_worker::create(std::vector<std::shared_ptr<rotating_file>> files, done_fn done) {
  std::lock_guard<std::mutex> lock(q_->mutex);
  q_->jobs.push_back(job{nullptr, {}, std::move(done), std::move(files)});
  q_->cv.notify_one();
}

error_info log_worker::run_create(job& j) {
  error_info first;
  const std::string* listed_dir = nullptr;
  result<std::vector<std::string>> listing = std::vector<std::string>{};
  for (auto& f : j.creates) {
    if (!listed_dir || *listed_dir != f->config().dir) {
      listed_dir = &f->config().dir;
      listing = rotating_file::list_folder(*listed_dir);
    }
    auto r = listing ? f->open(*listing) : result<unit>(listing.error());
    if (!r && first.kind == errc::ok)
      first = r.error();
    f->release();
  }
  return first;
}

log_worker::counters log_worker::stats() const {
  std::lock_guard<std::mutex> lock(q_->mutex);
  auto c = q_->totals;
  c.queued = static_cast<std::int64_t>(q_->jobs.size());
  return c;
}

bool log_worker::wait_idle(std::chrono::milliseconds limit) const {
  std::unique_lock<std::mutex> lock(q_->mutex);
  return q_->idle_cv.wait_for(lock, limit, [this] { return q_->jobs.empty() && !q_->busy; });
}

void log_worker::run(std::shared_ptr<queue> q) {
  std::unique_lock<std::mutex> lock(q->mutex);
  for (;;) {
    q->cv.wait(lock, [&] { return q->stopping || !q->jobs.empty(); });
    if (q->jobs.empty())
      return; // stopping, and everything handed over is written
    // Take every queued job at once: one lock round per batch of batches.
    std::deque<job> batch;
    batch.swap(q->jobs);
    q->busy = true;
    lock.unlock();
    std::int64_t errors = 0;
    for (auto& j : batch) {
      error_info e;
      if (!j.creates.empty()) {
        e = run_create(j);
        errors += e.kind == errc::ok ? 0 : 1;
        if (j.done)
          j.done(e);
        j.creates.clear();
        continue;
      }
      if (auto r = j.file->write(j.bytes); !r) {
        e = r.error();
        ++errors;
      }
      // Open, append, close: a file is open only while it is written (a
      // batch holds everything that came while the last one was written).
      j.file->release();
      if (j.done)
        j.done(e);
      j.file.reset(); // a collector gone: its files close here, on this thread
    }
    auto n = static_cast<std::int64_t>(batch.size());
    batch.clear();
    lock.lock();
    q->busy = false;
    q->totals.batches += n;
    q->totals.errors += errors;
    if (q->jobs.empty())
      q->idle_cv.notify_all();
  }
}

} // namespace stevedore
