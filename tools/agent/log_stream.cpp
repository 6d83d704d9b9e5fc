#include "tools/agent/log_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace stevedore::agent {

namespace net = boost::asio;
namespace fs = std::filesystem;

// The thread holds the impl too: when the last owner of the worker is work
// running on that very thread (a follower finishing), the thread cannot join
// itself, so it is detached and frees the impl when run() returns.
struct file_worker::impl {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> guard = net::make_work_guard(ioc);
  std::thread thread;
};

file_worker::file_worker() : impl_(std::make_shared<impl>()) {
  impl_->thread = std::thread([i = impl_] { i->ioc.run(); });
}

file_worker::~file_worker() {
  impl_->guard.reset();
  impl_->ioc.stop();
  if (impl_->thread.get_id() == std::this_thread::get_id())
    impl_->thread.detach();
  else if (impl_->thread.joinable())
    impl_->thread.join();
}

void file_worker::post(std::function<void()> fn) {
  net::post(impl_->ioc, std::move(fn));
}

void file_worker::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<net::steady_timer>(impl_->ioc, delay);
  timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
    if (!ec)
      fn();
  });
}

std::vector<long long> log_indices(const std::string& dir, const std::string& task,
                                   const std::string& stream) {
  std::vector<long long> out;
  const std::string prefix = task + "." + stream + ".";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0)
      continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    out.push_back(std::stoll(digits));
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// Up to `max` bytes of `path` from `offset`; empty at the end. `gone` when
// the file is not there (rotated away). A file shorter than `offset` was
// truncated: reading starts again from 0 (offset is updated).
std::string read_at(const std::string& path, long long& offset, std::size_t max, bool& gone) {
  gone = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    gone = true;
    return {};
  }
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size >= 0 && size < offset)
    offset = 0;
  std::string buf(max, '\0');
  const ssize_t n = ::pread(fd, buf.data(), max, static_cast<off_t>(offset));
  ::close(fd);
  if (n <= 0)
    return {};
  buf.resize(static_cast<std::size_t>(n));
  offset += n;
  return buf;
}

class log_follower : public std::enable_shared_from_this<log_follower> {
public:
  log_follower(std::shared_ptr<file_worker> w, log_files files, std::string stream, bool follow,
               std::shared_ptr<responder> res, ended_fn ended, log_stream_options opts)
    : worker_(std::move(w)), files_(std::move(files)), stream_(std::move(stream)),
      follow_(follow), res_(std::move(res)), ended_(std::move(ended)), opts_(opts) {}

  void start() {
    res_->begin_stream(200, "text/plain; charset=utf-8");
    std::weak_ptr<log_follower> weak = shared_from_this();
    res_->on_close([weak] {
      if (auto self = weak.lock())
        self->closed_ = true;
    });
    schedule();
  }

private:
  void schedule() {
    worker_->post([self = shared_from_this()] { self->step(); });
  }

  std::string path_of(long long index) const {
    return files_.dir + "/" + files_.task_name + "." + stream_ + "." + std::to_string(index);
  }

  // One read: send what there is, move to the next file, or wait.
  void step() {
    if (closed_)
      return;
    auto indices = log_indices(files_.dir, files_.task_name, stream_);
    if (current_ < 0 && !indices.empty()) {
      current_ = indices.front();
      offset_ = 0;
    }
    if (current_ >= 0) {
      bool gone = false;
      std::string data = read_at(path_of(current_), offset_, opts_.chunk, gone);
      if (!data.empty()) {
        res_->write(std::move(data), [self = shared_from_this()](bool ok) {
          if (!ok) {
            self->closed_ = true;
            return;
          }
          self->schedule();
        });
        return;
      }
      auto next = std::upper_bound(indices.begin(), indices.end(), current_);
      if (next != indices.end()) {
        current_ = *next;
        offset_ = 0;
        schedule();
        return;
      }
    }
    if (!follow_ || draining_) {
      res_->end_stream();
      return;
    }
    wait();
  }

  // Nothing new: poll again later, asking now and then whether the task ended.
  void wait() {
    quiet_ += opts_.poll;
    if (quiet_ < opts_.liveness) {
      worker_->after(opts_.poll, [self = shared_from_this()] { self->step(); });
      return;
    }
    quiet_ = {};
    ended_([self = shared_from_this()](bool ended) {
      if (ended)
        self->draining_ = true; // one last pass picks up what was written before the end
      self->worker_->after(self->opts_.poll, [self] { self->step(); });
    });
  }

  std::shared_ptr<file_worker> worker_;
  log_files files_;
  std::string stream_;                 // "stdout" or "stderr"
  bool follow_;
  std::shared_ptr<responder> res_;
  ended_fn ended_;
  log_stream_options opts_;
  long long current_ = -1;             // file index being read; -1: none yet
  long long offset_ = 0;               // bytes of it already sent
  std::chrono::milliseconds quiet_{0}; // time since the last liveness check
  std::atomic<bool> closed_{false};    // the client went away
  std::atomic<bool> draining_{false};  // the task ended: stop at the next end of data
};

} // namespace

void stream_logs(std::shared_ptr<file_worker> worker, log_files files, std::string stream,
                 bool follow, std::shared_ptr<responder> res, ended_fn ended,
                 log_stream_options opts) {
  std::make_shared<log_follower>(std::move(worker), std::move(files), std::move(stream), follow,
                                 std::move(res), std::move(ended), opts)
    ->start();
}

} // namespace stevedore::agent
