// Catches what a transport callback delivers on its I/O thread, for a test
// thread to wait on (bounded) and inspect. Declare probes before the
// transport, so the transport (whose shutdown runs the last callbacks) goes
// first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docker/transport.hpp"

namespace stevedore::testing {

template <class T>
class probe {
public:
  std::function<void(T)> callback() {
    return [this](T v) {
      std::lock_guard<std::mutex> lock(m_);
      ++calls_;
      if (!value_)
        value_.emplace(std::move(v));
      cv_.notify_all();
    };
  }

  bool wait(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, limit, [this] { return value_.has_value(); });
  }

  // The first value delivered; wait() first.
  T& value() {
    std::lock_guard<std::mutex> lock(m_);
    return *value_;
  }

  int calls() const {
    std::lock_guard<std::mutex> lock(m_);
    return calls_;
  }

private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::optional<T> value_;
  int calls_ = 0;
};

// Records a stream: the head, every piece of data in order, the end.
class stream_probe {
public:
  docker::stream_handler handler(std::function<bool(std::string_view)> also = {}) {
    docker::stream_handler h;
    h.on_head = [this](const docker::response& r) {
      std::lock_guard<std::mutex> lock(m_);
      ++heads_;
      status_ = r.status;
      cv_.notify_all();
    };
    h.on_data = [this, also](std::string_view bytes) {
      {
        std::lock_guard<std::mutex> lock(m_);
        pieces_.emplace_back(bytes);
        data_ += bytes;
        data_after_end_ = data_after_end_ || end_.calls() > 0;
        cv_.notify_all();
      }
      return also ? also(bytes) : true;
    };
    h.on_end = end_.callback();
    return h;
  }

  // Until the data received so far contains `text`.
  bool wait_data(std::string_view text, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, limit, [&] { return data_.find(text) != std::string::npos; });
  }
  bool wait_end(std::chrono::milliseconds limit = std::chrono::seconds(5)) { return end_.wait(limit); }

  result<unit>& end() { return end_.value(); }
  int ends() const { return end_.calls(); }
  int heads() const {
    std::lock_guard<std::mutex> lock(m_);
    return heads_;
  }
  int status() const {
    std::lock_guard<std::mutex> lock(m_);
    return status_;
  }
  std::string data() const {
    std::lock_guard<std::mutex> lock(m_);
    return data_;
  }
  bool data_after_end() const {
    std::lock_guard<std::mutex> lock(m_);
    return data_after_end_;
  }
  std::vector<std::string> pieces() const {
    std::lock_guard<std::mutex> lock(m_);
    return pieces_;
  }

private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  int heads_ = 0;
  int status_ = 0;
  std::string data_;
  std::vector<std::string> pieces_;
  bool data_after_end_ = false;
  probe<result<unit>> end_;
};

} // namespace stevedore::testing
