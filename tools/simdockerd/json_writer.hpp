// A small JSON writer for the simulated daemon's answers: values are appended
// in order, commas are placed for the caller. No DOM, no allocation beyond
// the output string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stevedore::sim {

// Appends `s` as a JSON string literal (quotes included).
void append_quoted(std::string& out, std::string_view s);

class json_writer {
public:
  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }
  json_writer& key(std::string_view k);
  json_writer& str(std::string_view v);
  json_writer& num(std::int64_t v);
  json_writer& unum(std::uint64_t v);
  json_writer& boolean(bool v);
  json_writer& null();
  json_writer& raw(std::string_view json); // an already encoded value
  json_writer& strings(const std::vector<std::string>& v); // array of strings (null when empty? no: [])

  // key + value shorthands
  json_writer& field(std::string_view k, std::string_view v) { return key(k).str(v); }
  json_writer& field(std::string_view k, const char* v) { return key(k).str(v); }
  json_writer& field(std::string_view k, const std::string& v) { return key(k).str(v); }
  json_writer& field(std::string_view k, std::int64_t v) { return key(k).num(v); }
  json_writer& field(std::string_view k, int v) { return key(k).num(v); }
  json_writer& field(std::string_view k, std::uint64_t v) { return key(k).unum(v); }
  json_writer& field(std::string_view k, bool v) { return key(k).boolean(v); }

  const std::string& str() const noexcept { return out_; }
  std::string take() { return std::move(out_); }

private:
  json_writer& open(char c);
  json_writer& close(char c);
  void value_prefix();

  std::string out_;
  std::vector<bool> first_; // per open container: nothing written in it yet
  bool after_key_ = false;
};

} // namespace stevedore::sim
