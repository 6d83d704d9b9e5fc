#include "tools/simdockerd/json_writer.hpp"

#include <cstdio>

namespace stevedore::sim {

void append_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void json_writer::value_prefix() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back())
      out_.push_back(',');
    first_.back() = false;
  }
}

json_writer& json_writer::open(char c) {
  value_prefix();
  out_.push_back(c);
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::close(char c) {
  out_.push_back(c);
  if (!first_.empty())
    first_.pop_back();
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  value_prefix();
  append_quoted(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

json_writer& json_writer::str(std::string_view v) {
  value_prefix();
  append_quoted(out_, v);
  return *this;
}

json_writer& json_writer::num(std::int64_t v) {
  value_prefix();
  out_ += std::to_string(v);
  return *this;
}

json_writer& json_writer::unum(std::uint64_t v) {
  value_prefix();
  out_ += std::to_string(v);
  return *this;
}

json_writer& json_writer::boolean(bool v) {
  value_prefix();
  out_ += v ? "true" : "false";
  return *this;
}

json_writer& json_writer::null() {
  value_prefix();
  out_ += "null";
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  value_prefix();
  out_.append(json.data(), json.size());
  return *this;
}

json_writer& json_writer::strings(const std::vector<std::string>& v) {
  begin_array();
  for (const auto& s : v)
    str(s);
  return end_array();
}

} // namespace stevedore::sim
