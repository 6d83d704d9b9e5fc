// Small helpers for the syntax-tree tests: reach into a tree by path and read
// test data files.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "policy/ast.hpp"

namespace stevedore::policy::testing {

// "config/mounts/0/volume_options": '/' separates steps because keys may hold
// dots ("net.core.somaxconn"); a number steps into a list; a key takes the
// first member of that name, "task#1" the second. Null when absent.
inline const node* find(const node& root, std::string_view path) {
  const node* cur = &root;
  while (!path.empty() && cur != nullptr) {
    auto slash = path.find('/');
    std::string_view step = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (cur->type == node::kind::list) {
      std::size_t index = std::stoul(std::string(step));
      cur = index < cur->items.size() ? &cur->items[index] : nullptr;
      continue;
    }
    std::size_t nth = 0;
    if (auto hash = step.find('#'); hash != std::string_view::npos) {
      nth = std::stoul(std::string(step.substr(hash + 1)));
      step = step.substr(0, hash);
    }
    const node* next = nullptr;
    for (const auto& [key, value] : cur->fields)
      if (key == step && nth-- == 0) {
        next = &value;
        break;
      }
    cur = next;
  }
  return cur;
}

// A compact, one-line rendering for table-driven cases:
//   {a=1,b="x",c=[1,2],port "http" {static=80},o={k=true}}
// Numbers show their literal, strings are quoted with \n \t \" \\ and
// \xNN escapes, a block member shows its labels and no '='.
inline std::string render(const node& n) {
  switch (n.type) {
    case node::kind::null: return "null";
    case node::kind::boolean: return n.boolean ? "true" : "false";
    case node::kind::number: return n.text;
    case node::kind::string: {
      std::string out = "\"";
      for (char c : n.text) {
        auto u = static_cast<unsigned char>(c);
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (u < 0x20 || u == 0x7F) {
          static const char hex[] = "0123456789abcdef";
          out += "\\x";
          out += hex[u >> 4];
          out += hex[u & 0xF];
        } else out += c;
      }
      return out + "\"";
    }
    case node::kind::list: {
      std::string out = "[";
      for (std::size_t i = 0; i < n.items.size(); ++i)
        out += (i ? "," : "") + render(n.items[i]);
      return out + "]";
    }
    case node::kind::object: {
      std::string out = "{";
      for (std::size_t i = 0; i < n.fields.size(); ++i) {
        const auto& [key, value] = n.fields[i];
        out += (i ? "," : "") + key;
        if (value.block) {
          out += ' ';
          for (const auto& label : value.labels) out += "\"" + label + "\" ";
        } else {
          out += '=';
        }
        out += render(value);
      }
      return out + "}";
    }
  }
  return "?";
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

#ifdef STEVEDORE_PARSE_DATA_DIR // set for the test binary, not the fuzz targets
inline std::string data_path(std::string_view name) {
  return std::string(STEVEDORE_PARSE_DATA_DIR) + "/" + std::string(name);
}
#endif

} // namespace stevedore::policy::testing
