// parse_hcl: HCL version 1 as Nomad 0.8 reads it, into the tree of ast.hpp.
//
//   body   := { item [","] }
//   item   := key "=" value
//           | key { label } "{" body "}"      (label: identifier or string)
//   value  := string | heredoc | number | bool | "{" body "}" | list
//   list   := "[" [ value { "," value } [","] ] "]"
//
// Newlines are not part of the grammar (HCL1 ignores them too), so
// `a = 1 b = 2` is two items. The first problem stops the parse: what comes
// after a syntax error is guesswork, and a job file is short enough to fix
// one mistake at a time.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "policy/ast.hpp"
#include "policy/hcl_lexer.hpp"

namespace stevedore::policy {

namespace {

using hcl::describe;
using hcl::tok;
using hcl::token;

// Deep enough for any job file; shallow enough that hostile input cannot
// exhaust the stack through the recursion below.
constexpr int max_depth = 128;

class parser {
public:
  parser(std::string_view text, std::string_view file) : lex_(text), file_(file) { advance(); }

  result<node> run() {
    node root;
    root.type = node::kind::object;
    root.pos = position{1, 1};
    if (!body(root, false, root.pos, "", 0)) return *error_;
    return root;
  }

private:
  void advance() {
    prev_line_ = cur_.pos.line;
    cur_ = lex_.next();
  }

  bool fail(position pos, const std::string& what) {
    if (!error_)
      error_ = make_error(errc::invalid_input, std::string(file_), where(file_, pos) + ": " + what);
    return false;
  }

  // "expected X, found <the current token>", or the lexer's own complaint.
  bool unexpected(const std::string& expected) {
    if (cur_.type == tok::error) return fail(cur_.pos, cur_.text);
    return fail(cur_.pos, expected + ", found " + describe(cur_));
  }

  bool deeper(int depth, position open) {
    if (depth <= max_depth) return true;
    return fail(open, "nesting deeper than " + std::to_string(max_depth) + " levels");
  }

  static bool starts_value(tok t) {
    return t == tok::string || t == tok::heredoc || t == tok::number || t == tok::boolean ||
           t == tok::lbrace || t == tok::lbrack;
  }

  // Items up to the closing brace (braced) or the end of the file.
  bool body(node& obj, bool braced, position open, const std::string& name, int depth) {
    bool after_item = false; // a comma may follow an item, once
    for (;;) {
      switch (cur_.type) {
        case tok::eof:
          if (!braced) return true;
          return fail(open, name + " is not closed: expected '}' before end of file");
        case tok::rbrace:
          if (!braced) return unexpected("expected a key (no block is open here)");
          advance();
          return true;
        case tok::comma:
          if (!after_item) return unexpected(braced ? "expected a key or '}'" : "expected a key");
          advance();
          after_item = false;
          break;
        case tok::ident:
        case tok::string:
          if (!item(obj, depth)) return false;
          after_item = true;
          break;
        default:
          return unexpected(braced ? "expected a key or '}'" : "expected a key");
      }
    }
  }

  bool item(node& obj, int depth) {
    std::vector<token> keys;
    while (cur_.type == tok::ident || cur_.type == tok::string) {
      keys.push_back(std::move(cur_));
      advance();
    }
    const std::string& key = keys.front().text;
    if (cur_.type == tok::lbrace) {
      node block;
      block.type = node::kind::object;
      block.block = true;
      block.pos = keys.front().pos;
      for (std::size_t i = 1; i < keys.size(); ++i) block.labels.push_back(std::move(keys[i].text));
      position open = cur_.pos;
      advance();
      if (!deeper(depth + 1, open) || !body(block, true, open, "block '" + key + "'", depth + 1))
        return false;
      obj.fields.emplace_back(key, std::move(block));
      return true;
    }
    if (cur_.type == tok::error) return unexpected("");
    // `image "redis"` (a forgotten '='): the label-looking second word is
    // the mistake, whatever follows it.
    if (keys.size() > 1)
      return fail(keys[1].pos, "expected '=' or '{' after key '" + key + "', found " +
                                   describe(keys[1]));
    if (cur_.type != tok::assign)
      return unexpected("expected '=' or '{' after key '" + key + "'");
    advance();
    node v;
    if (!value(v, key, depth)) return false;
    obj.fields.emplace_back(key, std::move(v));
    return true;
  }

  bool value(node& out, const std::string& key, int depth) {
    out.pos = cur_.pos;
    switch (cur_.type) {
      case tok::string:
      case tok::heredoc:
        out.type = node::kind::string;
        out.text = std::move(cur_.text);
        break;
      case tok::number:
        out.type = node::kind::number;
        out.number = cur_.number;
        out.text = std::move(cur_.text);
        break;
      case tok::boolean:
        out.type = node::kind::boolean;
        out.boolean = cur_.boolean;
        break;
      case tok::lbrace:
        out.type = node::kind::object;
        advance();
        return deeper(depth + 1, out.pos) &&
               body(out, true, out.pos, "object '" + key + "'", depth + 1);
      case tok::lbrack:
        return list(out, key, depth);
      case tok::ident:
        // `image = redis` wants quotes; a word on the next line is a new key.
        if (cur_.pos.line == prev_line_)
          return unexpected("expected a value for '" + key + "' (strings need double quotes)");
        return unexpected("expected a value for '" + key + "'");
      default:
        return unexpected("expected a value for '" + key + "'");
    }
    advance();
    return true;
  }

  bool list(node& out, const std::string& key, int depth) {
    out.type = node::kind::list;
    advance();
    if (!deeper(depth + 1, out.pos)) return false;
    auto not_closed = [&] {
      return fail(out.pos, "list '" + key + "' is not closed: expected ']' before end of file");
    };
    for (;;) {
      if (cur_.type == tok::rbrack) {
        advance();
        return true;
      }
      if (cur_.type == tok::eof) return not_closed();
      if (!starts_value(cur_.type))
        return unexpected("expected an element of list '" + key + "' or ']'");
      node element;
      if (!value(element, key, depth + 1)) return false;
      out.items.push_back(std::move(element));
      if (cur_.type == tok::comma) {
        advance();
      } else if (cur_.type == tok::eof) {
        return not_closed();
      } else if (cur_.type != tok::rbrack) {
        return unexpected("expected ',' or ']' after an element of list '" + key + "'");
      }
    }
  }

  hcl::lexer lex_;
  std::string_view file_;
  token cur_;
  int prev_line_ = 0; // line of the token before cur_
  std::optional<error_info> error_;
};

} // namespace

result<node> parse_hcl(std::string_view text, std::string_view file_name) {
  return parser(text, file_name).run();
}

} // namespace stevedore::policy
