// json: an ordered JSON value for what stevedore *writes* (Engine API request
// bodies, the create body that policy computes, `plan` output, agent API
// answers). Reading is simdjson's job; this type only builds and serialises.
// Objects keep insertion order so bodies and golden files are deterministic.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stevedore {

class json {
public:
  enum class kind : std::uint8_t { null, boolean, integer, number, string, array, object };
  using member = std::pair<std::string, json>;

  json() = default;
  json(std::nullptr_t) {}
  json(bool b) : kind_(kind::boolean), int_(b ? 1 : 0) {}
  json(int v) : kind_(kind::integer), int_(v) {}
  json(long v) : kind_(kind::integer), int_(v) {}
  json(long long v) : kind_(kind::integer), int_(v) {}
  json(unsigned v) : kind_(kind::integer), int_(static_cast<std::int64_t>(v)) {}
  json(unsigned long v) : kind_(kind::integer), int_(static_cast<std::int64_t>(v)) {}
  json(unsigned long long v) : kind_(kind::integer), int_(static_cast<std::int64_t>(v)) {}
  json(double v) : kind_(kind::number), num_(v) {}
  json(const char* s) : kind_(kind::string), str_(s) {}
  json(std::string s) : kind_(kind::string), str_(std::move(s)) {}
  json(std::string_view s) : kind_(kind::string), str_(s) {}

  static json array() { json j; j.kind_ = kind::array; return j; }
  static json object() { json j; j.kind_ = kind::object; return j; }
  static json array(std::vector<json> items);
  static json array_of(const std::vector<std::string>& items);
  // An object from a sorted map (labels, sysctls): deterministic key order.
  static json object_of(const std::map<std::string, std::string>& m);

  kind type() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == kind::null; }
  bool is_object() const noexcept { return kind_ == kind::object; }
  bool is_array() const noexcept { return kind_ == kind::array; }
  bool is_string() const noexcept { return kind_ == kind::string; }
  bool as_bool() const noexcept { return int_ != 0; }
  std::int64_t as_int() const noexcept { return int_; }
  double as_double() const noexcept { return kind_ == kind::number ? num_ : double(int_); }
  const std::string& as_string() const noexcept { return str_; }
  const std::vector<json>& items() const noexcept { return items_; }
  const std::vector<member>& members() const noexcept { return members_; }

  // Appends to an array (turns null into an array).
  json& push(json v);
  // Sets a member of an object (turns null into an object); replaces an
  // existing key in place, keeping its position.
  json& set(std::string_view key, json v);
  // The member's value or nullptr.
  const json* find(std::string_view key) const;
  json* find(std::string_view key);
  bool empty() const noexcept;

  // Compact text; `indent` > 0 pretty-prints with that many spaces.
  std::string dump(int indent = 0) const;

  friend bool operator==(const json& a, const json& b);
  friend bool operator!=(const json& a, const json& b) { return !(a == b); }

private:
  void dump_to(std::string& out, int indent, int depth) const;

  kind kind_ = kind::null;
  std::int64_t int_ = 0;
  double num_ = 0;
  std::string str_;
  std::vector<json> items_;
  std::vector<member> members_;
};

// Appends `s` to `out` as a quoted JSON string with every needed escape.
void json_escape(std::string& out, std::string_view s);

} // namespace stevedore
