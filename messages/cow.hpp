// A value shared by its copies until one of them is changed (copy on write).
// A copy is a pointer and a reference count; edit() first makes the copy its
// own when another copy shares it. A group's thousands of planned instances
// carry one task_spec (1.8 KB before any of its strings) this way, unless
// interpolation made theirs differ.
//
// Reads go through `*` and `->` and are always const; changes go through
// edit(), so that no read of a shared value copies it by accident. Copies of
// one cow may be read from several threads at once; edit() is for the one
// thread that owns that copy.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace stevedore {

template <class T>
class cow {
public:
  // Every default-constructed cow shares one default T until it is edited.
  cow() : ptr_(fresh()) {}
  cow(T value) : ptr_(std::make_shared<T>(std::move(value))) {}

  const T& operator*() const noexcept { return *ptr_; }
  const T* operator->() const noexcept { return ptr_.get(); }

  // The value, made this copy's own first if anybody else shares it.
  T& edit() {
    if (ptr_.use_count() != 1)
      ptr_ = std::make_shared<T>(*ptr_);
    return *ptr_;
  }

  // True when both read the very same value (not a mere equal one).
  bool shares(const cow& other) const noexcept { return ptr_ == other.ptr_; }

private:
  static const std::shared_ptr<T>& fresh() {
    static const std::shared_ptr<T> value = std::make_shared<T>();
    return value;
  }

  std::shared_ptr<T> ptr_;
};

// CAF inspection (0.17 form), as caf::cow_tuple does it: saving reads the
// shared value, loading writes into a copy of one's own. (Saving inspectors
// take their values by non-const reference but only read them; the shared
// object itself is not const.)
template <class Inspector, class T>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type
inspect(Inspector& f, const cow<T>& x) {
  return f(const_cast<T&>(*x));
}

template <class Inspector, class T>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type
inspect(Inspector& f, cow<T>& x) {
  return f(x.edit());
}

} // namespace stevedore
