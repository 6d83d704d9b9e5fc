// parse_json: JSON (Nomad's JSON job form, client settings) into the tree of
// ast.hpp, with simdjson On-Demand. Every value is visited once, in document
// order, which is exactly how On-Demand validates: what we do not touch, it
// does not check, so nothing is skipped here.
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "policy/ast.hpp"
#include "policy/source_lines.hpp"

namespace stevedore::policy {

namespace {

namespace od = simdjson::ondemand;

// As for HCL: no job file nests this deep, and the recursion stays bounded.
constexpr int max_depth = 128;

const char* in_words(simdjson::error_code e) {
  switch (e) {
    case simdjson::TAPE_ERROR: return "malformed JSON: missing or misplaced comma, colon, brace or bracket";
    case simdjson::INCORRECT_TYPE: return "expected a JSON value";
    case simdjson::STRING_ERROR: return "invalid string: bad escape sequence";
    case simdjson::T_ATOM_ERROR: return "invalid literal: expected 'true'";
    case simdjson::F_ATOM_ERROR: return "invalid literal: expected 'false'";
    case simdjson::N_ATOM_ERROR: return "invalid literal: expected 'null'";
    case simdjson::NUMBER_ERROR: return "invalid or out of range number";
    case simdjson::NUMBER_OUT_OF_RANGE: return "number out of range";
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::EMPTY: return "no JSON value: the file is empty";
    case simdjson::UNESCAPED_CHARS: return "control character in a string: it must be escaped";
    case simdjson::UNCLOSED_STRING: return "unterminated string: no closing '\"'";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "unexpected end of input: an object or array is not closed";
    case simdjson::TRAILING_CONTENT: return "unexpected content after the JSON value";
    case simdjson::DEPTH_ERROR: return "nesting too deep";
    default: return simdjson::error_message(e);
  }
}

// Stage 1 (at iterate) reports broken strings and encodings without saying
// where; walk the text once more to find the spot for the message.
std::size_t locate_stage1(std::string_view s, simdjson::error_code e) {
  bool in_string = false;
  std::size_t open = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (e == simdjson::UTF8_ERROR && c >= 0x80) {
      std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
      bool ok = n > 0 && c >= 0xC2 && c <= 0xF4 && i + n <= s.size();
      for (std::size_t k = 1; ok && k < n; ++k)
        ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
      if (!ok) return i;
      i += n - 1; // overlongs and surrogates: reported at the next check
      continue;
    }
    if (!in_string) {
      if (c == '"') { in_string = true; open = i; }
    } else if (c == '\\') {
      ++i;
    } else if (c == '"') {
      in_string = false;
    } else if (c < 0x20 && e == simdjson::UNESCAPED_CHARS) {
      return i;
    }
  }
  return in_string ? open : 0;
}

// What simdjson's DOM parser makes of a number On-Demand's get_double
// (3.0.1) refuses: it overflows on long exponents, so "0e99999999999999999999"
// and "3.11e-11111000000000049111" fail there although they are well-formed
// and (DOM agrees) zero. Well-formed literals are read again here: values too
// small for a double become zero, too large ones stay errors.
bool read_number_again(std::string_view lit, double& out) {
  std::size_t i = 0;
  bool negative = i < lit.size() && lit[i] == '-';
  if (negative) ++i;
  auto digits = [&] {
    std::size_t from = i;
    while (i < lit.size() && lit[i] >= '0' && lit[i] <= '9') ++i;
    return lit.substr(from, i - from);
  };
  std::string_view whole = digits();
  if (whole.empty() || (whole.size() > 1 && whole[0] == '0')) return false;
  std::string_view fraction;
  if (i < lit.size() && lit[i] == '.') {
    ++i;
    fraction = digits();
    if (fraction.empty()) return false;
  }
  long long exponent = 0; // saturated: only its order of magnitude matters
  if (i < lit.size() && (lit[i] == 'e' || lit[i] == 'E')) {
    ++i;
    bool minus = i < lit.size() && lit[i] == '-';
    if (i < lit.size() && (lit[i] == '-' || lit[i] == '+')) ++i;
    std::string_view e = digits();
    if (e.empty()) return false;
    for (char c : e) exponent = std::min(exponent * 10 + (c - '0'), 1'000'000'000'000LL);
    if (minus) exponent = -exponent;
  }
  if (i != lit.size()) return false;
  // The value lies in [10^(magnitude-1), 10^magnitude).
  std::string significant = std::string(whole) + std::string(fraction);
  auto first = significant.find_first_not_of('0');
  if (first == std::string::npos) {
    out = negative ? -0.0 : 0.0;
    return true;
  }
  long long magnitude = static_cast<long long>(whole.size()) - static_cast<long long>(first) + exponent;
  if (magnitude > 310) return false;
  if (magnitude < -330) {
    out = negative ? -0.0 : 0.0;
    return true;
  }
  auto [end, ec] = std::from_chars(lit.data(), lit.data() + lit.size(), out);
  if (ec == std::errc::result_out_of_range && magnitude <= 0) {
    out = negative ? -0.0 : 0.0;
    return true;
  }
  return ec == std::errc() && end == lit.data() + lit.size();
}

class builder {
public:
  builder(std::string_view text, std::string_view file)
      : text_(text), file_(file), lines_(text), padded_(text) {}

  result<node> run() {
    node root;
    if (!read(root)) return *error_;
    return root;
  }

private:
  std::size_t offset(const char* p) const {
    auto base = padded_.data();
    return p >= base && p <= base + text_.size() ? static_cast<std::size_t>(p - base) : last_;
  }
  std::size_t offset(std::string_view token) const { return offset(token.data()); }

  bool read(node& root) {
    od::document doc;
    if (auto e = parser_.iterate(padded_).get(doc)) return fail(locate_stage1(text_, e), e);
    od::json_type type;
    if (auto e = doc.type().get(type)) return fail_at(doc, e);
    if (type != od::json_type::object && type != od::json_type::array) return scalar(doc, root);
    od::value v;
    if (auto e = doc.get_value().get(v)) return fail_at(doc, e);
    if (!build(v, root, 1)) return false;
    // Whatever follows the value is an error (On-Demand stops reading there).
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS)
      return fail(offset(rest), simdjson::TRAILING_CONTENT);
    return true;
  }

  // The fail functions keep the first error and return false.
  bool fail(std::size_t off, simdjson::error_code e) {
    std::string what = in_words(e);
    // Structure errors read better with the byte that broke the structure.
    if (e == simdjson::TAPE_ERROR || e == simdjson::INCORRECT_TYPE) {
      auto c = off < text_.size() ? static_cast<unsigned char>(text_[off]) : 0;
      if (off >= text_.size()) what += "; found end of file";
      else if (c >= 0x20 && c < 0x7F) what += std::string("; found '") + text_[off] + "'";
      if (std::isalpha(c) && c != 't' && c != 'f' && c != 'n') what += " (strings need double quotes)";
    }
    return fail(off, what);
  }
  bool fail(std::size_t off, const std::string& what) {
    if (!error_)
      error_ = make_error(errc::invalid_input, std::string(file_),
                          where(file_, lines_.at(off)) + ": " + what);
    return false;
  }
  // Where On-Demand stopped, or the last value we started when it can't say.
  template <class T>
  bool fail_at(T& it, simdjson::error_code e) {
    const char* p = nullptr;
    return fail(it.current_location().get(p) == simdjson::SUCCESS ? offset(p) : last_, e);
  }

  bool scalar(od::document& doc, node& out) {
    std::string_view token;
    if (auto e = doc.raw_json_token().get(token)) return fail_at(doc, e);
    last_ = offset(token);
    out.pos = lines_.at(last_);
    if (!fill(doc, token, out)) return false;
    // The token runs up to the next one: anything there is trailing content.
    // (Checked here, not with current_location: a root number that fill()
    // accepted after get_double refused it leaves the iterator in place.)
    if (std::size_t end = last_ + token.size(); end < text_.size())
      return fail(end, simdjson::TRAILING_CONTENT);
    return true;
  }

  // A scalar, from a document (root) or a value: same calls, same checks.
  template <class T>
  bool fill(T& v, std::string_view token, node& out) {
    od::json_type type;
    if (auto e = v.type().get(type)) return fail_at(v, e);
    simdjson::error_code e = simdjson::SUCCESS;
    // The token runs to the next structural character, so it can hold more
    // than the scalar: a root `null":"` or `12"x"`. On-Demand (3.0.1) lets
    // some of that through (root is_null looks at four bytes only), so the
    // literal itself is held to what the type allows.
    auto last = token.find_last_not_of(" \t\r\n");
    std::string_view literal = token.substr(0, last == std::string_view::npos ? 0 : last + 1);
    switch (type) {
      case od::json_type::number: {
        out.type = node::kind::number;
        e = v.get_double().get(out.number);
        out.text = std::string(literal);
        if (e == simdjson::NUMBER_ERROR && read_number_again(literal, out.number)) e = simdjson::SUCCESS;
        if (!e && literal.find_first_not_of("0123456789+-.eE") != std::string_view::npos)
          e = simdjson::NUMBER_ERROR;
        break;
      }
      case od::json_type::string: {
        out.type = node::kind::string;
        std::string_view s;
        e = v.get_string().get(s);
        out.text = std::string(s);
        break;
      }
      case od::json_type::boolean:
        out.type = node::kind::boolean;
        e = v.get_bool().get(out.boolean);
        // A root `false` followed by four spaces or more: 3.0.1's get_bool
        // refuses it. The literal decides.
        if (literal == "true" || literal == "false") {
          out.boolean = literal == "true";
          e = simdjson::SUCCESS;
        } else if (!e) {
          e = out.boolean ? simdjson::T_ATOM_ERROR : simdjson::F_ATOM_ERROR;
        }
        break;
      case od::json_type::null: {
        bool is_null = false;
        e = v.is_null().get(is_null);
        // A root `null x` answers false: the trailing check in scalar() says why.
        if (!e && literal != "null") e = simdjson::N_ATOM_ERROR;
        break;
      }
      default:
        e = simdjson::INCORRECT_TYPE;
    }
    if (!e) return true;
    if (e == simdjson::TRAILING_CONTENT) // a scalar document: "12 3"
      return fail(offset(token.data() + token.size()), e);
    if (e == simdjson::INCORRECT_TYPE) { // the first byte promised more: "tru", "-"
      e = type == od::json_type::number    ? simdjson::NUMBER_ERROR
          : type == od::json_type::null    ? simdjson::N_ATOM_ERROR
          : type == od::json_type::boolean ? (token[0] == 't' ? simdjson::T_ATOM_ERROR
                                                              : simdjson::F_ATOM_ERROR)
                                           : e;
    }
    return fail(last_, e);
  }

  bool build(od::value v, node& out, int depth) {
    std::string_view token = v.raw_json_token();
    last_ = offset(token);
    out.pos = lines_.at(last_);
    if (depth > max_depth)
      return fail(last_, "nesting deeper than " + std::to_string(max_depth) + " levels");
    od::json_type type;
    if (auto e = v.type().get(type)) return fail_at(v, e);
    if (type == od::json_type::object) {
      out.type = node::kind::object;
      od::object obj;
      if (auto e = v.get_object().get(obj)) return fail_at(v, e);
      for (auto member : obj) {
        od::field f;
        std::string_view key;
        if (auto e = std::move(member).get(f)) return fail_at(v, e);
        if (auto e = f.unescaped_key().get(key)) return fail_at(v, e);
        out.fields.emplace_back(std::string(key), node{});
        if (!build(f.value(), out.fields.back().second, depth + 1)) return false;
      }
      return true;
    }
    if (type == od::json_type::array) {
      out.type = node::kind::list;
      od::array arr;
      if (auto e = v.get_array().get(arr)) return fail_at(v, e);
      for (auto element : arr) {
        od::value item;
        if (auto e = std::move(element).get(item)) return fail_at(v, e);
        out.items.emplace_back();
        if (!build(item, out.items.back(), depth + 1)) return false;
      }
      return true;
    }
    return fill(v, token, out);
  }

  std::string_view text_;
  std::string_view file_;
  detail::source_lines lines_;
  simdjson::padded_string padded_; // simdjson reads past the end: a padded copy
  od::parser parser_;
  std::size_t last_ = 0; // start of the value being read, for errors without a place
  std::optional<error_info> error_;
};

} // namespace

result<node> parse_json(std::string_view text, std::string_view file_name) {
  return builder(text, file_name).run();
}

} // namespace stevedore::policy
