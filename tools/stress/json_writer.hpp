// A small streaming JSON writer for the stress report: numbers come out
// exactly (integers as is, doubles as the shortest text that reads back to
// the same double), strings fully escaped, non-finite doubles as null.
// The caller nests begin/end calls correctly; keys only inside objects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stevedore::stress {

class json_writer {
public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& value(std::int64_t v);
  json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  json_writer& value(double v);
  json_writer& value(bool v);
  json_writer& value(std::string_view v);
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& null();

  const std::string& text() const noexcept { return out_; }
  std::string take() { return std::move(out_); }

private:
  void separate();

  std::string out_;
  std::vector<bool> first_; // per open container: nothing written in it yet
  bool after_key_ = false;
};

// The shortest decimal text that reads back to exactly `v` ("0.1", "1e+300");
// "null" for NaN and infinities.
std::string format_double(double v);

} // namespace stevedore::stress
