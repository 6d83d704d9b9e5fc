// What decode.cpp and decode_containers.cpp share: the On-Demand reading
// helpers. Included only by those two (it pulls in simdjson).
//
// Every reader walks an object's fields once, in whatever order the daemon
// wrote them, and reads each wanted value once (On-Demand's rule); null or
// absent fields keep their defaults. A failure records the path of the field
// at fault, innermost last, as the error unwinds ("State" then "Pid" gives
// "State.Pid").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "docker/decode.hpp"

namespace stevedore::docker::decode::detail {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// Where a failure happened, built while unwinding.
struct trail {
  std::string path;
  void push(std::string_view key) {
    path = path.empty() ? std::string(key) : std::string(key) + "." + path;
  }
};

// One parser per I/O thread: decode calls never nest, and a parser keeps
// its buffers between answers.
inline od::parser& thread_parser() {
  thread_local od::parser parser;
  return parser;
}

inline bool is_null(od::value& v) {
  od::json_type t;
  return !v.type().get(t) && t == od::json_type::null;
}

inline error_code read(od::value v, std::string& out) {
  if (is_null(v))
    return simdjson::SUCCESS;
  std::string_view s;
  if (auto e = v.get_string().get(s))
    return e;
  out.assign(s);
  return simdjson::SUCCESS;
}

inline error_code read(od::value v, bool& out) {
  if (is_null(v))
    return simdjson::SUCCESS;
  return v.get_bool().get(out);
}

// Integers as the daemon writes them; an unsigned one past int64 (a "no
// limit" cgroup value) saturates, a fraction is cut.
inline error_code read(od::value v, std::int64_t& out) {
  if (is_null(v))
    return simdjson::SUCCESS;
  od::number_type t;
  if (auto e = v.get_number_type().get(t))
    return e;
  switch (t) {
    case od::number_type::signed_integer:
      return v.get_int64().get(out);
    case od::number_type::unsigned_integer: {
      std::uint64_t u = 0;
      if (auto e = v.get_uint64().get(u))
        return e;
      out = u > std::uint64_t(INT64_MAX) ? INT64_MAX : std::int64_t(u);
      return simdjson::SUCCESS;
    }
    default: {
      double d = 0;
      if (auto e = v.get_double().get(d))
        return e;
      out = d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : std::int64_t(d);
      return simdjson::SUCCESS;
    }
  }
}

// An array of strings; a bare string (Entrypoint/Cmd in some older images)
// is taken as a one-element list.
inline error_code read(od::value v, std::vector<std::string>& out) {
  if (is_null(v))
    return simdjson::SUCCESS;
  od::json_type t;
  if (auto e = v.type().get(t))
    return e;
  if (t == od::json_type::string) {
    out.emplace_back();
    return read(v, out.back());
  }
  od::array arr;
  if (auto e = v.get_array().get(arr))
    return e;
  for (auto item : arr) {
    od::value iv;
    if (auto e = item.get(iv))
      return e;
    out.emplace_back();
    if (auto e = read(iv, out.back()))
      return e;
  }
  return simdjson::SUCCESS;
}

// Calls f(key, value) for every field of the object `v` (null: none).
template <class F>
error_code each_field(od::value v, trail& tr, F&& f) {
  if (is_null(v))
    return simdjson::SUCCESS;
  od::object obj;
  if (auto e = v.get_object().get(obj))
    return e;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key))
      return e;
    od::value fv;
    if (auto e = field.value().get(fv)) {
      tr.push(key);
      return e;
    }
    if (auto e = f(key, fv)) {
      tr.push(key);
      return e;
    }
  }
  return simdjson::SUCCESS;
}

inline error_code read(od::value v, std::map<std::string, std::string>& out) {
  trail ignored;
  return each_field(v, ignored, [&](std::string_view key, od::value fv) {
    return read(fv, out[std::string(key)]);
  });
}

// Calls f(value) for every element of the array `v` (null: none).
template <class F>
error_code each_element(od::value v, trail& tr, F&& f) {
  if (is_null(v))
    return simdjson::SUCCESS;
  od::array arr;
  if (auto e = v.get_array().get(arr))
    return e;
  std::size_t i = 0;
  for (auto item : arr) {
    od::value iv;
    error_code e = item.get(iv);
    if (!e)
      e = f(iv);
    if (e) {
      tr.push("[" + std::to_string(i) + "]");
      return e;
    }
    ++i;
  }
  return simdjson::SUCCESS;
}

// Parses `body` and hands its root value to `f`; any failure becomes a
// malformed_answer naming `what` and the field.
template <class T, class F>
result<T> parse(std::string_view body, std::string_view what, F&& f) {
  if (body.size() > max_body)
    return make_error(errc::malformed_answer, std::string(what),
                      "answer of " + std::to_string(body.size()) + " bytes is over the cap");
  simdjson::padded_string input(body); // the caller's buffer has no SIMDJSON_PADDING
  od::document doc;
  T out{};
  trail tr;
  error_code e = thread_parser().iterate(input).get(doc);
  if (!e) {
    od::value root;
    e = doc.get_value().get(root);
    if (!e)
      e = f(root, out, tr);
  }
  const char* left = nullptr;
  if (!e && !doc.current_location().get(left)) // in bounds: something follows the value
    e = simdjson::TRAILING_CONTENT;
  if (e) {
    std::string why = tr.path.empty() ? std::string() : "field " + tr.path + ": ";
    why += "invalid JSON answer (";
    why += simdjson::error_message(e);
    why += ")";
    return make_error(errc::malformed_answer, std::string(what), std::move(why));
  }
  return out;
}

} // namespace stevedore::docker::decode::detail
