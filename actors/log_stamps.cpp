#include "actors/log_stamps.hpp"

#include <charconv>
#include <cstdio>

namespace stevedore {

namespace {

// The longest stamp is "2024-01-02T03:04:05.123456789+01:00": 35 bytes. A
// message start without a space this early is not stamped.
constexpr std::size_t max_stamp = 40;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

} // namespace

std::optional<std::int64_t> parse_rfc3339_nano(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n) {
      if (n < 9)
        nanos = nanos * 10 + (s[pos] - '0');
    }
    if (n == 0)
      return std::nullopt;
    for (; n < 9; ++n)
      nanos *= 10;
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om))
      return std::nullopt;
    offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  auto days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  auto secs = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  return secs * 1000000000 + nanos;
}

std::string docker_since(std::int64_t unix_nanos) {
  auto secs = unix_nanos / 1000000000;
  auto nanos = unix_nanos % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --secs;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(secs),
                static_cast<long long>(nanos));
  return buf;
}

void stamped_stream::feed(std::string_view bytes, std::string& out) {
  while (!bytes.empty()) {
    if (!in_message_) {
      // Reading the stamp: up to its space.
      auto end = bytes.find_first_of(" \n");
      auto take = std::min(end == std::string_view::npos ? bytes.size() : end,
                           max_stamp + 1 - head_.size());
      head_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (!bytes.empty() && bytes.front() == ' ') {
        time_ = parse_rfc3339_nano(head_);
        if (time_) {
          bytes.remove_prefix(1);
          message_.clear();
        } else {
          message_ = std::move(head_);
        }
        head_.clear();
        in_message_ = true;
      } else if (!bytes.empty() || head_.size() > max_stamp) {
        // A newline, or too long for a stamp: a message without one.
        time_.reset();
        message_ = std::move(head_);
        head_.clear();
        in_message_ = true;
      }
      continue;
    }
    auto room = docker_message_size > message_.size() ? docker_message_size - message_.size() : 0;
    auto nl = bytes.substr(0, room).find('\n');
    auto take = nl == std::string_view::npos ? std::min(room, bytes.size()) : nl + 1;
    message_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (nl != std::string_view::npos || message_.size() >= docker_message_size)
      complete(out);
  }
}

// How much older than the last line written a line may be and still be
// taken for dockerd's repeat at a rotation of its log file.
constexpr std::int64_t repeat_window_ns = 5'000'000'000;

void stamped_stream::complete(std::string& out) {
  bool keep = true;
  if (!time_) {
    ++unstamped_;
  } else if (!resuming_ && last_ && *time_ < *last_ && *last_ - *time_ <= repeat_window_ns) {
    // Older than what was written, but only a little, in a stream that was
    // not resumed: dockerd sends recent lines again when it follows its own
    // json-file log across a rotation (max-size, 2m by default since Nomad
    // 1.x). From here on, as after a resume. A clock stepped further back
    // is written as it comes.
    keep = false;
    resuming_ = true;
    skip_ = at_last_;
    ++repeats_seen_;
  } else if (resuming_ && last_) {
    if (*time_ < *last_) {
      keep = false;
    } else if (*time_ == *last_ && skip_ > 0) {
      --skip_;
      keep = false;
    } else {
      resuming_ = false; // past what was written: everything from here is new
    }
  }
  if (keep) {
    out.append(message_);
    ++written_;
    if (time_) {
      if (!last_ || *time_ > *last_) {
        last_ = time_;
        at_last_ = 1;
      } else if (*time_ == *last_) {
        ++at_last_;
      }
    }
  } else {
    ++dropped_;
  }
  message_.clear();
  time_.reset();
  in_message_ = false;
}

void stamped_stream::resume() {
  head_.clear();
  message_.clear();
  time_.reset();
  in_message_ = false;
  resuming_ = true;
  skip_ = at_last_;
}

void stamped_stream::finish(std::string& out) {
  // A stamp cut before its space carries no content.
  head_.clear();
  if (in_message_ && !message_.empty())
    complete(out);
  in_message_ = false;
  time_.reset();
}

void stamped_stream::resume_from(std::int64_t last, std::int64_t at_last) {
  last_ = last;
  at_last_ = at_last;
  resuming_ = true;
  skip_ = at_last;
}

std::string format_log_position(const log_position& p) {
  std::string out;
  for (int i = 0; i < 2; ++i) {
    const bool placed = p.index[i] >= 0 && p.size[i] >= 0;
    if (!p.time[i] && !placed)
      continue;
    if (!out.empty())
      out += ';';
    out += i == 0 ? "o:" : "e:";
    out += p.time[i] ? std::to_string(*p.time[i]) : std::string("-");
    out += ":" + std::to_string(p.count[i]);
    if (placed)
      out += ":" + std::to_string(p.index[i]) + ":" + std::to_string(p.size[i]);
  }
  return out;
}

namespace {

// A whole decimal number (an optional '-' first), or nothing.
std::optional<std::int64_t> whole_number(std::string_view s) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return n;
}

} // namespace

log_position parse_log_position(std::string_view text) {
  log_position p;
  while (!text.empty()) {
    auto end = text.find(';');
    auto part = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (part.size() < 5 || (part[0] != 'o' && part[0] != 'e') || part[1] != ':')
      continue;
    std::string_view fields[4];
    std::size_t n = 0;
    for (auto rest = part.substr(2); n < 4; ++n) {
      auto colon = rest.find(':');
      fields[n] = rest.substr(0, colon);
      if (colon == std::string_view::npos) {
        ++n;
        break;
      }
      rest.remove_prefix(colon + 1);
    }
    if (n != 2 && n != 4)
      continue;
    std::optional<std::int64_t> t;
    if (fields[0] != "-" && !(t = whole_number(fields[0])))
      continue;
    auto count = whole_number(fields[1]);
    if (!count)
      continue;
    int i = part[0] == 'o' ? 0 : 1;
    if (n == 4) {
      auto index = whole_number(fields[2]);
      auto size = whole_number(fields[3]);
      if (!index || !size || *index < 0 || *size < 0)
        continue;
      p.index[i] = *index;
      p.size[i] = *size;
    } else if (!t) {
      continue;
    }
    p.time[i] = t;
    p.count[i] = *count;
  }
  return p;
}

} // namespace stevedore
