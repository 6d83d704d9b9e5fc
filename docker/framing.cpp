// The two ways the daemon cuts a streamed body into messages, undone across
// arbitrary chunk boundaries: the 8-byte multiplexed frames of logs and
// attached execs, and newline-delimited JSON (pull progress, events, load).
#include <cstring>

#include "docker/client.hpp"

namespace stevedore::docker {

const char* to_string(output_stream s) noexcept {
  switch (s) {
    case output_stream::stdin_stream: return "stdin";
    case output_stream::stdout_stream: return "stdout";
    case output_stream::stderr_stream: return "stderr";
    case output_stream::raw: return "raw";
  }
  return "unknown";
}

// -- frame_decoder --

const error_info& frame_decoder::error() const noexcept {
  static const error_info none;
  return error_ ? *error_ : none;
}

bool frame_decoder::feed(std::string_view bytes, const output_fn& out) {
  if (stopped_ || error_)
    return false;
  while (!bytes.empty()) {
    if (payload_left_ == 0) {
      std::size_t take = std::min<std::size_t>(bytes.size(), sizeof header_ - header_have_);
      std::memcpy(header_ + header_have_, bytes.data(), take);
      header_have_ = static_cast<std::uint8_t>(header_have_ + take);
      bytes.remove_prefix(take);
      if (header_have_ < sizeof header_)
        return true;
      header_have_ = 0;
      if (header_[0] > 2 || header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
        static const char hex[] = "0123456789abcdef";
        std::string shown;
        for (unsigned char c : header_) {
          shown += hex[c >> 4];
          shown += hex[c & 15];
        }
        error_ = std::make_unique<error_info>(
          make_error(errc::malformed_answer, "output stream",
                     "bad frame header " + shown + " (stream byte 0-2 and three zero bytes expected)"));
        return false;
      }
      current_ = static_cast<output_stream>(header_[0]);
      payload_left_ = (std::uint32_t(header_[4]) << 24) | (std::uint32_t(header_[5]) << 16) |
                      (std::uint32_t(header_[6]) << 8) | std::uint32_t(header_[7]);
      continue; // an empty frame is legal and says nothing
    }
    std::size_t take = std::min<std::size_t>(bytes.size(), payload_left_);
    payload_left_ -= static_cast<std::uint32_t>(take);
    std::string_view piece = bytes.substr(0, take);
    bytes.remove_prefix(take);
    if (out && !out(current_, piece)) {
      stopped_ = true;
      return false;
    }
  }
  return true;
}

result<unit> frame_decoder::finish() const {
  if (error_)
    return *error_;
  if (stopped_)
    return unit{};
  if (header_have_ > 0)
    return make_error(errc::malformed_answer, "output stream",
                      "the stream ended inside a frame header (" + std::to_string(header_have_) +
                        " of 8 bytes)");
  if (payload_left_ > 0)
    return make_error(errc::malformed_answer, "output stream",
                      "the stream ended " + std::to_string(payload_left_) +
                        " bytes short of the end of a frame");
  return unit{};
}

// -- line_splitter --

bool line_splitter::feed(std::string_view bytes,
                         const std::function<bool(std::string_view)>& on_line) {
  if (over_limit_)
    return false;
  auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') // the daemon's JSON messages end in "\r\n"
      line.remove_suffix(1);
    if (line.size() > max_line_) {
      over_limit_ = true;
      return false;
    }
    return on_line(line);
  };
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (pending_.size() + bytes.size() > max_line_ + 1) { // +1: a '\r' may still end it
        over_limit_ = true;
        pending_.clear();
        return false;
      }
      pending_.append(bytes);
      return true;
    }
    bool go_on;
    if (pending_.empty()) {
      go_on = emit(bytes.substr(0, nl));
    } else {
      if (pending_.size() + nl > max_line_ + 1) {
        over_limit_ = true;
        pending_.clear();
        return false;
      }
      pending_.append(bytes.substr(0, nl));
      std::string line = std::move(pending_);
      pending_.clear();
      go_on = emit(line);
    }
    bytes.remove_prefix(nl + 1);
    if (!go_on) {
      if (!over_limit_)
        pending_.assign(bytes); // what is left stays readable through rest()
      return false;
    }
  }
  return true;
}

} // namespace stevedore::docker
