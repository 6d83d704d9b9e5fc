// Resuming a log stream without losing or repeating lines. The collector asks
// the daemon for logs with timestamps=1, so each log message (a line, or a
// piece of a line longer than the daemon's 16 KiB message buffer) arrives as
// "<RFC 3339 nano timestamp> <message>". stamped_stream strips the stamps,
// remembers the last one written and how many messages carried exactly it,
// and after a drop re-reads from `since` = that time: the daemon sends again
// every message at or after it (its filter keeps equal times), and the ones
// already written are dropped here, so lines sharing one timestamp are
// neither lost nor doubled.
//
// A message is written only once it is complete (its newline, or the
// daemon's message size without one), so a stream cut mid-line loses
// nothing: the whole message comes again after the resume. Pure, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stevedore {

// Nanoseconds since the Unix epoch of "2024-01-02T03:04:05.123456789Z" (any
// fraction length, "Z" or "+hh:mm"/"-hh:mm"); empty when it is not one.
std::optional<std::int64_t> parse_rfc3339_nano(std::string_view text);

// The logs endpoint's `since` for a time in nanoseconds: "1700000000.000000123".
std::string docker_since(std::int64_t unix_nanos);

// The daemon cuts a line longer than this into several messages, each with
// its own timestamp (daemon/logger/copier.go, bufSize).
inline constexpr std::size_t docker_message_size = 16 * 1024;

class stamped_stream {
public:
  // Feeds bytes in arrival order, cut anywhere; appends what is to be
  // written to `out`.
  void feed(std::string_view bytes, std::string& out);

  // The stream dropped: an unfinished message is forgotten (it will come
  // again) and the next stream's repeats of written messages are dropped.
  void resume();

  // The stream ended for good: an unfinished message (a last line without a
  // newline) is written too.
  void finish(std::string& out);

  // Goes on from a position kept by an earlier run (a supervisor started
  // again): the next stream's messages up to it are dropped as repeats.
  void resume_from(std::int64_t last, std::int64_t at_last);
  std::int64_t at_last() const noexcept { return at_last_; }

  // The other stream of the same logs stream saw dockerd send lines again:
  // this one's next messages up to the last written are repeats too (its
  // unfinished message, if any, is kept).
  void repeating() noexcept {
    if (!resuming_ && last_) {
      resuming_ = true;
      skip_ = at_last_;
    }
  }
  // How many times a repeat was recognised in the stream itself.
  std::int64_t repeats_seen() const noexcept { return repeats_seen_; }

  // The time of the last message written, if any carried a timestamp.
  std::optional<std::int64_t> last_time() const noexcept { return last_; }
  std::int64_t messages_written() const noexcept { return written_; }
  // Repeats: after a resume, and any message older than the last written
  // (dockerd repeats lines when it follows its own log across a rotation).
  std::int64_t messages_dropped() const noexcept { return dropped_; }
  std::int64_t unstamped() const noexcept { return unstamped_; }      // messages without a timestamp

private:
  void complete(std::string& out);

  bool in_message_ = false;             // past the timestamp of the current message
  std::string head_;                    // the timestamp being read (until its space)
  std::string message_;                 // the current message's content so far
  std::optional<std::int64_t> time_;    // its timestamp
  std::optional<std::int64_t> last_;    // the last written message's timestamp
  std::int64_t at_last_ = 0;            // how many written messages carry exactly last_
  bool resuming_ = false;               // dropping repeats since resume()
  std::int64_t skip_ = 0;               // repeats at last_ still to drop
  std::int64_t written_ = 0;
  std::int64_t dropped_ = 0;
  std::int64_t unstamped_ = 0;
  std::int64_t repeats_seen_ = 0;
};

// A follower's position as kept in the state store: for stdout and stderr
// the last timestamp written and how many messages carried it, and where
// its files were then (the current file's index and size),
// "o:<ns>:<n>:<index>:<size>;e:..." ("-" for no timestamp yet: the files'
// place when the follower started; a stream with neither left out). The
// older form "o:<ns>:<n>" (no place) is still read.
struct log_position {
  std::optional<std::int64_t> time[2];
  std::int64_t count[2] = {0, 0};
  std::int64_t index[2] = {-1, -1}; // -1: no place kept
  std::int64_t size[2] = {-1, -1};
};
std::string format_log_position(const log_position& p);
log_position parse_log_position(std::string_view text); // unreadable parts are left out

} // namespace stevedore
