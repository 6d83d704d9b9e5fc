// result<T>: a value or an error_info. std::expected is C++23; this is the
// small part of it that stevedore needs, free of CAF so docker/ and policy/
// can return it.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "messages/error.hpp"

namespace stevedore {

// The value of a call that returns nothing but may fail.
struct unit {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unit&) {
  return f(caf::meta::type_name("stevedore::unit"));
}

template <class T>
class result {
public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  result(error_info err) : v_(std::in_place_index<1>, std::move(err)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const error_info& error() const& { assert(!ok()); return std::get<1>(v_); }
  error_info&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

private:
  std::variant<T, error_info> v_;
};

} // namespace stevedore
