#include "messages/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace stevedore {

json json::array(std::vector<json> items) {
  json j = array();
  j.items_ = std::move(items);
  return j;
}

json json::array_of(const std::vector<std::string>& items) {
  json j = array();
  j.items_.reserve(items.size());
  for (const auto& s : items)
    j.items_.emplace_back(s);
  return j;
}

json json::object_of(const std::map<std::string, std::string>& m) {
  json j = object();
  for (const auto& [k, v] : m)
    j.members_.emplace_back(k, json(v));
  return j;
}

json& json::push(json v) {
  if (kind_ == kind::null)
    kind_ = kind::array;
  items_.push_back(std::move(v));
  return items_.back();
}

json& json::set(std::string_view key, json v) {
  if (kind_ == kind::null)
    kind_ = kind::object;
  for (auto& m : members_)
    if (m.first == key) {
      m.second = std::move(v);
      return m.second;
    }
  members_.emplace_back(std::string(key), std::move(v));
  return members_.back().second;
}

const json* json::find(std::string_view key) const {
  for (const auto& m : members_)
    if (m.first == key)
      return &m.second;
  return nullptr;
}

json* json::find(std::string_view key) {
  for (auto& m : members_)
    if (m.first == key)
      return &m.second;
  return nullptr;
}

bool json::empty() const noexcept {
  switch (kind_) {
    case kind::null: return true;
    case kind::array: return items_.empty();
    case kind::object: return members_.empty();
    case kind::string: return str_.empty();
    default: return false;
  }
}

void json_escape(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

namespace {

void newline(std::string& out, int indent, int depth) {
  if (indent <= 0)
    return;
  out.push_back('\n');
  out.append(static_cast<size_t>(indent * depth), ' ');
}

} // namespace

void json::dump_to(std::string& out, int indent, int depth) const {
  switch (kind_) {
    case kind::null: out += "null"; break;
    case kind::boolean: out += int_ ? "true" : "false"; break;
    case kind::integer: out += std::to_string(int_); break;
    case kind::number: {
      if (!std::isfinite(num_)) { out += "null"; break; }
      // The shortest text that reads back as the same double (0.3, not
      // 0.29999999999999999).
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, num_);
      out.append(buf, r.ptr);
      break;
    }
    case kind::string: json_escape(out, str_); break;
    case kind::array:
      out.push_back('[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out.push_back(',');
        newline(out, indent, depth + 1);
        items_[i].dump_to(out, indent, depth + 1);
      }
      if (!items_.empty()) newline(out, indent, depth);
      out.push_back(']');
      break;
    case kind::object:
      out.push_back('{');
      for (size_t i = 0; i < members_.size(); ++i) {
        if (i) out.push_back(',');
        newline(out, indent, depth + 1);
        json_escape(out, members_[i].first);
        out += indent > 0 ? ": " : ":";
        members_[i].second.dump_to(out, indent, depth + 1);
      }
      if (!members_.empty()) newline(out, indent, depth);
      out.push_back('}');
      break;
  }
}

std::string json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

bool operator==(const json& a, const json& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case json::kind::null: return true;
    case json::kind::boolean:
    case json::kind::integer: return a.int_ == b.int_;
    case json::kind::number: return a.num_ == b.num_;
    case json::kind::string: return a.str_ == b.str_;
    case json::kind::array: return a.items_ == b.items_;
    case json::kind::object: return a.members_ == b.members_;
  }
  return false;
}

} // namespace stevedore
