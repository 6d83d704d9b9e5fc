// Helpers for the decoding tests: minimal jobs around a config block, problem
// lines, and a dump of any messages/ struct through its CAF inspect() (every
// field, one line each, so a mismatch shows as a one-line diff).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/error.hpp"
#include "policy/rules.hpp"

namespace stevedore::policy::testing {

// The job file name every decoding test uses.
inline constexpr std::string_view job_file = "job.hcl";

// A minimal job around a config body. With an image, `image = "redis:3.2"` is
// line 6 and the body starts on line 7; without, the body starts on line 6.
// Write body lines unindented: a key at the start of the body's first line is
// at 7:1 (6:1 without image).
inline std::string config_job(std::string_view body, bool with_image = true) {
  std::string out = "job \"web\" {\n"
                    "  group \"cache\" {\n"
                    "    task \"redis\" {\n"
                    "      driver = \"docker\"\n"
                    "      config {\n";
  if (with_image)
    out += "image = \"redis:3.2\"\n";
  out.append(body);
  out += "\n      }\n    }\n  }\n}\n";
  return out;
}

// A minimal job around a task body (driver and config included by the caller
// where wanted). The body starts on line 4.
inline std::string task_job(std::string_view body) {
  std::string out = "job \"web\" {\n"
                    "  group \"cache\" {\n"
                    "    task \"redis\" {\n";
  out.append(body);
  out += "\n    }\n  }\n}\n";
  return out;
}

// A task body with driver and a config holding an image; lines 4-5. The
// caller's text starts on line 6.
inline std::string docker_task_job(std::string_view rest) {
  std::string body = "driver = \"docker\"\nconfig { image = \"redis:3.2\" }\n";
  body.append(rest);
  return task_job(body);
}

inline std::vector<std::string> lines(const std::vector<error_info>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems)
    out.push_back(to_string(p));
  return out;
}

inline decoded<job_spec> hcl_job(std::string_view text) {
  return read_job(text, job_file);
}

inline const task_spec& first_task(const job_spec& j) {
  static const task_spec none{};
  if (j.groups.empty() || j.groups[0].tasks.empty())
    return none;
  return j.groups[0].tasks[0];
}

// ---- dump -------------------------------------------------------------------

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_map : std::false_type {};
template <class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>> : std::true_type {};

class dumper {
public:
  using result_type = void;

  explicit dumper(std::string prefix) : prefix_(std::move(prefix)) {}

  template <class... Ts>
  void operator()(Ts&&... xs) {
    std::size_t index = 0;
    (field(xs, index), ...);
  }

  std::string out;

  template <class T>
  void value(const std::string& path, T& x) {
    using U = std::decay_t<T>;
    if constexpr (std::is_same_v<U, std::string>) {
      out += path + " = \"" + x + "\"\n";
    } else if constexpr (std::is_same_v<U, bool>) {
      out += path + (x ? " = true\n" : " = false\n");
    } else if constexpr (std::is_enum_v<U>) {
      out += path + " = " + std::to_string(static_cast<long long>(x)) + "\n";
    } else if constexpr (std::is_arithmetic_v<U>) {
      out += path + " = " + std::to_string(x) + "\n";
    } else if constexpr (is_vector<U>::value) {
      out += path + " size " + std::to_string(x.size()) + "\n";
      for (std::size_t i = 0; i < x.size(); ++i)
        value(path + "[" + std::to_string(i) + "]", x[i]);
    } else if constexpr (is_map<U>::value) {
      out += path + " size " + std::to_string(x.size()) + "\n";
      for (auto& [k, v] : x) {
        auto copy = v;
        value(path + "[" + k + "]", copy);
      }
    } else {
      dumper inner(path);
      inspect(inner, x);
      out += inner.out;
    }
  }

private:
  template <class T>
  void field(T& x, std::size_t& index) {
    if constexpr (std::is_base_of_v<caf::meta::annotation, std::decay_t<T>>) {
      return; // the type name
    } else {
      value(prefix_ + "#" + std::to_string(index++), x);
    }
  }

  std::string prefix_;
};

template <class T>
std::string dump(T x) {
  dumper d("");
  d.value("", x);
  return d.out;
}

} // namespace stevedore::policy::testing
