// HCL2's native syntax into hcl2_ast.hpp:
//
//   body      := { attribute | block } (each ends at a newline)
//   attribute := ident "=" expr
//   block     := ident { string | ident } "{" body "}"
//   expr      := binary [ "?" expr ":" expr ]
//   binary    := unary { op unary }   (|| && == != < > <= >= + - * / %, by precedence)
//   unary     := [ "-" | "!" ] postfix
//   postfix   := term { "." ident | "." number | "[" expr "]" | ".*" | "[*]" }
//   term      := number | "true" | "false" | "null" | template | heredoc
//              | ident | ident "(" args ")" | "(" expr ")"
//              | "[" exprs "]" | "[" for "]" | "{" items "}" | "{" for "}"
//
// Newlines end attributes, except inside brackets, parentheses and
// interpolations. Templates are split into text, `${...}` and `%{...}`
// directives here, with strip markers (~) applied.
#include <charconv>
#include <cstdint>

#include "policy/hcl2_ast.hpp"
#include "policy/hcl_lexer.hpp"
#include "policy/source_lines.hpp"

namespace stevedore::policy::hcl2 {

namespace {

constexpr int max_depth = 128;

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

void strip_trailing_space(std::string& s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
}

class parser {
public:
  explicit parser(std::string_view src) : src_(src), lines_(src) {
    if (src_.substr(0, 3) == "\xEF\xBB\xBF")
      off_ = 3;
  }

  body file() {
    body b = parse_items(false, 0);
    skip_blank(true);
    if (off_ < src_.size())
      fail(off_, "expected an attribute or a block, found " + show_here());
    return b;
  }

  expr single() {
    ++nest_;
    expr e = expression(0);
    skip_blank(true);
    if (off_ < src_.size())
      fail(off_, "unexpected " + show_here() + " after the expression");
    return e;
  }

private:
  [[noreturn]] void fail(std::size_t at, std::string what) const {
    throw failure{lines_.at(at), std::move(what)};
  }

  std::string show_here() const {
    if (off_ >= src_.size())
      return "end of file";
    if (src_[off_] == '\n')
      return "end of line";
    return hcl::detail::show_byte(src_[off_]);
  }

  char peek(std::size_t ahead = 0) const {
    return off_ + ahead < src_.size() ? src_[off_ + ahead] : '\0';
  }

  bool at(std::string_view s) const { return src_.substr(off_, s.size()) == s; }

  // Spaces and comments; newlines too when `newlines` (or inside brackets).
  void skip_blank(bool newlines = false) {
    newlines = newlines || nest_ > 0;
    while (off_ < src_.size()) {
      char c = src_[off_];
      if (c == ' ' || c == '\t' || c == '\r' || (c == '\n' && newlines)) {
        ++off_;
      } else if (c == '#' || at("//")) {
        while (off_ < src_.size() && src_[off_] != '\n')
          ++off_;
      } else if (at("/*")) {
        auto close = src_.find("*/", off_ + 2);
        if (close == std::string_view::npos)
          fail(off_, "unterminated comment: '/*' is never closed by '*/'");
        off_ = close + 2;
      } else {
        break;
      }
    }
  }

  void expect(char c, const std::string& what) {
    skip_blank();
    if (peek() != c)
      fail(off_, "expected '" + std::string(1, c) + "' " + what + ", found " + show_here());
    ++off_;
  }

  std::string ident() {
    std::size_t start = off_;
    while (off_ < src_.size() && is_ident_char(src_[off_]))
      ++off_;
    return std::string(src_.substr(start, off_ - start));
  }

  void deeper(int depth) const {
    if (depth > max_depth)
      fail(off_, "nesting deeper than " + std::to_string(max_depth) + " levels");
  }

  // ---- bodies --------------------------------------------------------------

  body parse_items(bool braced, int depth) {
    deeper(depth);
    body b;
    int saved = nest_;
    nest_ = 0; // newlines matter in a body, even one inside brackets
    for (;;) {
      skip_blank(true);
      if (off_ >= src_.size()) {
        if (braced)
          fail(off_, "a block is not closed: expected '}' before end of file");
        break;
      }
      if (peek() == '}') {
        if (!braced)
          fail(off_, "expected an attribute or a block, found '}' (no block is open here)");
        ++off_;
        break;
      }
      b.items.push_back(parse_item(depth));
    }
    nest_ = saved;
    return b;
  }

  item parse_item(int depth) {
    item it;
    it.pos = lines_.at(off_);
    if (peek() == '"') {
      // HCL1's quoted keys ("docker.endpoint" = ...): a literal name.
      it.name = plain_string();
    } else if (is_ident_start(peek())) {
      it.name = ident();
    } else {
      fail(off_, "expected an attribute or a block, found " + show_here());
    }
    skip_blank();
    if (peek() == '=' && peek(1) != '=') {
      ++off_;
      skip_blank();
      it.value = expression(depth + 1);
      end_of_item();
      return it;
    }
    while (peek() == '"' || is_ident_start(peek())) {
      it.labels.push_back(peek() == '"' ? plain_string() : ident());
      skip_blank();
    }
    if (peek() != '{')
      fail(off_, "expected '=' or '{' after '" + it.name + "', found " + show_here());
    ++off_;
    it.is_block = true;
    it.block = std::make_shared<body>(parse_items(true, depth + 1));
    return it;
  }

  void end_of_item() {
    skip_blank();
    if (off_ >= src_.size() || peek() == '\n' || peek() == '}')
      return;
    if (peek() == ',') { // HCL1 let items be separated by commas
      ++off_;
      return;
    }
    fail(off_, "expected a newline after the attribute, found " + show_here());
  }

  // A quoted label or key: no interpolation is allowed in it.
  std::string plain_string() {
    std::size_t start = off_;
    expr t = template_string();
    if (t.parts.size() > 1 || (t.parts.size() == 1 && t.parts[0].type != template_part::kind::text))
      fail(start, "a block label or key cannot hold an interpolation");
    return t.parts.empty() ? std::string() : t.parts[0].text;
  }

  // ---- expressions ---------------------------------------------------------

  static int precedence(std::string_view op) {
    if (op == "||") return 1;
    if (op == "&&") return 2;
    if (op == "==" || op == "!=") return 3;
    if (op == "<" || op == ">" || op == "<=" || op == ">=") return 4;
    if (op == "+" || op == "-") return 5;
    if (op == "*" || op == "/" || op == "%") return 6;
    return 0;
  }

  std::string binary_operator() {
    skip_blank();
    static const std::string_view ops[] = {"||", "&&", "==", "!=", "<=", ">=", "<", ">",
                                           "+",  "-",  "*",  "/",  "%"};
    for (auto op : ops)
      if (at(op)) {
        // `<<` starts a heredoc, not two comparisons.
        if (op == "<" && peek(1) == '<')
          return {};
        return std::string(op);
      }
    return {};
  }

  expr expression(int depth) {
    deeper(depth);
    std::size_t start = off_;
    expr cond = binary(1, depth);
    skip_blank();
    if (peek() != '?')
      return cond;
    ++off_;
    expr out;
    out.kind = expr_kind::conditional;
    out.pos = cond.pos;
    ++nest_;
    skip_blank();
    out.args.push_back(std::move(cond));
    out.args.push_back(expression(depth + 1));
    expect(':', "in a conditional (a ? b : c)");
    skip_blank();
    --nest_;
    out.args.push_back(expression(depth + 1));
    out.source = std::string(src_.substr(start, off_ - start));
    return out;
  }

  expr binary(int min_prec, int depth) {
    deeper(depth);
    std::size_t start = off_;
    expr lhs = unary(depth + 1);
    for (;;) {
      std::size_t before = off_;
      std::string op = binary_operator();
      int prec = op.empty() ? 0 : precedence(op);
      if (prec < min_prec || prec == 0) {
        off_ = before;
        return lhs;
      }
      off_ += op.size();
      skip_blank();
      expr rhs = binary(prec + 1, depth + 1);
      expr e;
      e.kind = expr_kind::binary;
      e.pos = lhs.pos;
      e.name = op;
      e.args.push_back(std::move(lhs));
      e.args.push_back(std::move(rhs));
      e.source = std::string(src_.substr(start, off_ - start));
      lhs = std::move(e);
    }
  }

  expr unary(int depth) {
    deeper(depth);
    skip_blank();
    if (peek() == '-' || peek() == '!') {
      expr e;
      e.kind = expr_kind::unary;
      e.pos = lines_.at(off_);
      e.name = std::string(1, peek());
      ++off_;
      e.args.push_back(unary(depth + 1));
      return e;
    }
    return postfix(depth + 1);
  }

  step attribute_step() {
    step s;
    s.pos = lines_.at(off_);
    if (is_digit(peek())) { // legacy index: list.0
      std::size_t start = off_;
      while (is_digit(peek()))
        ++off_;
      s.is_index = true;
      auto idx = std::make_shared<expr>();
      idx->pos = s.pos;
      idx->value.type = node::kind::number;
      idx->value.text = std::string(src_.substr(start, off_ - start));
      std::from_chars(src_.data() + start, src_.data() + off_, idx->value.number);
      s.index = idx;
      return s;
    }
    if (!is_ident_start(peek()))
      fail(off_, "expected an attribute name after '.', found " + show_here());
    s.name = ident();
    return s;
  }

  // A step after a term; false when none follows. `splat` is set by `.*` and `[*]`.
  bool next_step(step& s, bool& splat, int depth) {
    splat = false;
    if (peek() == '.' && peek(1) == '*') {
      off_ += 2;
      splat = true;
      return true;
    }
    if (peek() == '.' && peek(1) != '.') { // `...` expands, it is no step
      ++off_;
      s = attribute_step();
      return true;
    }
    if (peek() == '[') {
      std::size_t open = off_;
      ++off_;
      ++nest_;
      skip_blank();
      if (peek() == '*') {
        ++off_;
        expect(']', "after '[*'");
        --nest_;
        splat = true;
        return true;
      }
      s = step{};
      s.pos = lines_.at(open);
      s.is_index = true;
      s.index = std::make_shared<expr>(expression(depth + 1));
      expect(']', "to close the index");
      --nest_;
      return true;
    }
    return false;
  }

  expr postfix(int depth) {
    std::size_t start = off_;
    expr e = term(depth);
    for (;;) {
      step s;
      bool splat = false;
      if (!next_step(s, splat, depth))
        break;
      if (splat) {
        expr sp;
        sp.kind = expr_kind::splat;
        sp.pos = e.pos;
        sp.args.push_back(std::move(e));
        // Every later step applies to each element.
        step inner;
        bool again = false;
        while (next_step(inner, again, depth) && !again)
          sp.steps.push_back(std::move(inner));
        if (again)
          fail(off_, "a splat inside a splat is not supported");
        e = std::move(sp);
        break;
      }
      if (e.kind != expr_kind::traverse) {
        expr t;
        t.kind = expr_kind::traverse;
        t.pos = e.pos;
        t.args.push_back(std::move(e));
        e = std::move(t);
      }
      e.steps.push_back(std::move(s));
    }
    e.source = std::string(src_.substr(start, off_ - start));
    return e;
  }

  expr number_literal() {
    std::size_t start = off_;
    while (is_digit(peek()))
      ++off_;
    if (peek() == '.' && is_digit(peek(1))) {
      ++off_;
      while (is_digit(peek()))
        ++off_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++off_;
      if (peek() == '+' || peek() == '-')
        ++off_;
      if (!is_digit(peek()))
        fail(start, "invalid number '" + std::string(src_.substr(start, off_ - start)) + "'");
      while (is_digit(peek()))
        ++off_;
    }
    expr e;
    e.pos = lines_.at(start);
    e.value.type = node::kind::number;
    e.value.pos = e.pos;
    e.value.text = std::string(src_.substr(start, off_ - start));
    auto [end, ec] = std::from_chars(src_.data() + start, src_.data() + off_, e.value.number);
    if (ec != std::errc() || end != src_.data() + off_)
      fail(start, "invalid number '" + e.value.text + "'");
    return e;
  }

  expr term(int depth) {
    deeper(depth);
    skip_blank();
    std::size_t start = off_;
    char c = peek();
    if (is_digit(c))
      return number_literal();
    if (c == '"')
      return template_string();
    if (c == '<' && peek(1) == '<')
      return heredoc();
    if (c == '(') {
      ++off_;
      ++nest_;
      expr inner = expression(depth + 1);
      expect(')', "to close '('");
      --nest_;
      return inner;
    }
    if (c == '[')
      return tuple(depth);
    if (c == '{')
      return object(depth);
    if (is_ident_start(c)) {
      std::string word = ident();
      expr e;
      e.pos = lines_.at(start);
      e.value.pos = e.pos;
      if (word == "true" || word == "false") {
        e.value.type = node::kind::boolean;
        e.value.boolean = word == "true";
        return e;
      }
      if (word == "null")
        return e;
      skip_blank();
      if (peek() == '(')
        return call(std::move(word), e.pos, depth);
      e.kind = expr_kind::variable;
      e.name = std::move(word);
      e.source = e.name;
      return e;
    }
    fail(off_, "expected a value, found " + show_here());
  }

  expr call(std::string name, position pos, int depth) {
    expr e;
    e.kind = expr_kind::call;
    e.pos = pos;
    e.name = std::move(name);
    ++off_;
    ++nest_;
    skip_blank();
    while (peek() != ')') {
      e.args.push_back(expression(depth + 1));
      skip_blank();
      if (at("...")) {
        off_ += 3;
        e.expand_last = true;
        skip_blank();
        break;
      }
      if (peek() != ',')
        break;
      ++off_;
      skip_blank();
    }
    expect(')', "to close the arguments of " + e.name + "()");
    --nest_;
    return e;
  }

  bool keyword(std::string_view word) {
    skip_blank();
    if (!at(word) || is_ident_char(peek(word.size())))
      return false;
    off_ += word.size();
    return true;
  }

  // `k, v in coll` after `for`: the variables and the collection of a for
  // expression or (`what` = "directive") of a template's for directive.
  expr for_variables(int depth, const char* what) {
    expr e;
    e.pos = lines_.at(off_);
    skip_blank();
    if (!is_ident_start(peek()))
      fail(off_, "expected a variable name after 'for'");
    e.value_var = ident();
    skip_blank();
    if (peek() == ',') {
      ++off_;
      skip_blank();
      e.key_var = e.value_var;
      if (!is_ident_start(peek()))
        fail(off_, "expected a variable name after ','");
      e.value_var = ident();
    }
    if (!keyword("in"))
      fail(off_, std::string("expected 'in' in a for ") + what + ", found " + show_here());
    skip_blank();
    e.args.push_back(expression(depth + 1));
    return e;
  }

  // `for k, v in coll :` (after the opening bracket); returns the for-expr
  // with its variables and collection.
  expr for_head(int depth) {
    expr e = for_variables(depth, "expression");
    expect(':', "after the collection of a for expression");
    skip_blank();
    return e;
  }

  void for_condition(expr& e, int depth) {
    if (keyword("if")) {
      skip_blank();
      e.has_cond = true;
      e.args.push_back(expression(depth + 1));
    } else {
      e.args.emplace_back();
    }
  }

  expr tuple(int depth) {
    std::size_t start = off_;
    ++off_;
    ++nest_;
    skip_blank();
    if (keyword("for")) {
      expr e = for_head(depth);
      e.kind = expr_kind::for_tuple;
      e.args.push_back(expression(depth + 1));
      for_condition(e, depth);
      expect(']', "to close the for expression");
      --nest_;
      return e;
    }
    expr e;
    e.kind = expr_kind::tuple;
    e.pos = lines_.at(start);
    while (peek() != ']') {
      e.args.push_back(expression(depth + 1));
      skip_blank();
      if (peek() != ',')
        break;
      ++off_;
      skip_blank();
    }
    expect(']', "to close the list");
    --nest_;
    return e;
  }

  expr object_key(int depth) {
    skip_blank();
    if (is_ident_start(peek())) {
      std::size_t save = off_;
      std::string word = ident();
      skip_blank();
      if (peek() == '=' || peek() == ':') {
        expr k;
        k.pos = lines_.at(save);
        k.value.type = node::kind::string;
        k.value.text = std::move(word);
        k.value.pos = k.pos;
        return k;
      }
      off_ = save;
    }
    return expression(depth + 1);
  }

  expr object(int depth) {
    std::size_t start = off_;
    ++off_;
    ++nest_;
    skip_blank();
    if (keyword("for")) {
      expr e = for_head(depth);
      e.kind = expr_kind::for_object;
      e.args.push_back(expression(depth + 1)); // args[1]: key
      skip_blank();
      if (!at("=>"))
        fail(off_, "expected '=>' in a for expression building an object, found " + show_here());
      off_ += 2;
      skip_blank();
      expr value = expression(depth + 1);
      skip_blank();
      if (at("...")) {
        off_ += 3;
        e.group = true;
      }
      for_condition(e, depth);                 // args[2]: condition
      e.args.push_back(std::move(value));      // args[3]: value
      expect('}', "to close the for expression");
      --nest_;
      return e;
    }
    expr e;
    e.kind = expr_kind::object;
    e.pos = lines_.at(start);
    while (peek() != '}') {
      e.keys.push_back(object_key(depth));
      skip_blank();
      if (peek() != '=' && peek() != ':')
        fail(off_, "expected '=' or ':' after an object key, found " + show_here());
      ++off_;
      skip_blank();
      e.args.push_back(expression(depth + 1));
      skip_blank();
      if (peek() == ',')
        ++off_;
      skip_blank();
    }
    ++off_;
    --nest_;
    return e;
  }

  // ---- templates -----------------------------------------------------------

  // One escape after a backslash in a quoted template.
  void escape(std::string& out) {
    std::size_t b = off_;
    char c = peek(1);
    off_ += 2;
    switch (c) {
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case 'u':
      case 'U': {
        std::size_t n = c == 'u' ? 4 : 8;
        std::uint32_t cp = 0;
        for (std::size_t k = 0; k < n; ++k) {
          char h = peek();
          int v = is_digit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                                         : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
          if (v < 0)
            fail(b, std::string("invalid escape: \\") + c + " needs " + std::to_string(n) + " hex digits");
          cp = cp * 16 + static_cast<std::uint32_t>(v);
          ++off_;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
          fail(b, "invalid escape: not a Unicode code point");
        hcl::detail::append_utf8(out, cp);
        return;
      }
      default:
        fail(b, "invalid escape sequence '\\" + std::string(1, c) + "' in string");
    }
  }

  // Template parts up to `end` (a quote, or the end of a heredoc's body) or
  // a directive keyword (else, endif, endfor), which is returned.
  std::string parts(std::vector<template_part>& out, bool quoted, std::size_t end, int depth,
                    bool& strip_next) {
    deeper(depth);
    std::string text;
    auto flush = [&] {
      if (!text.empty()) {
        template_part p;
        p.text = std::move(text);
        out.push_back(std::move(p));
      }
      text.clear();
    };
    auto add_text = [&](char ch) {
      if (strip_next && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'))
        return;
      strip_next = false;
      text += ch;
    };
    for (;;) {
      if (off_ >= end) {
        if (quoted)
          fail(off_, "unterminated string: no closing '\"' before end of file");
        flush();
        return {};
      }
      char c = src_[off_];
      if (quoted && c == '"') {
        flush();
        return {};
      }
      if (quoted && c == '\n')
        fail(off_, "unterminated string: no closing '\"' before end of line");
      if (quoted && c == '\\') {
        std::string esc;
        escape(esc);
        for (char e : esc)
          add_text(e);
        continue;
      }
      if ((c == '$' || c == '%') && peek(1) == c && peek(2) == '{') { // $${ and %%{
        add_text(c);
        add_text('{');
        off_ += 3;
        continue;
      }
      if ((c == '$' || c == '%') && peek(1) == '{') {
        bool strip_left = peek(2) == '~';
        if (strip_left)
          strip_trailing_space(text);
        flush();
        std::string keyword_found = c == '$' ? interpolation(out, strip_next)
                                             : directive(out, quoted, end, depth, strip_next);
        if (!keyword_found.empty())
          return keyword_found;
        continue;
      }
      add_text(c);
      ++off_;
    }
  }

  // After "${": the expression and "}" (with strip markers).
  std::string interpolation(std::vector<template_part>& out, bool& strip_next) {
    std::size_t start = off_;
    off_ += 2;
    if (peek() == '~')
      ++off_;
    ++nest_;
    template_part p;
    p.type = template_part::kind::interpolation;
    p.pos = lines_.at(start);
    skip_blank();
    p.exprs.push_back(expression(1));
    skip_blank();
    if (peek() == '~') {
      ++off_;
      strip_next = true;
    }
    if (peek() != '}')
      fail(off_, "expected '}' to close the interpolation started at " +
                   std::to_string(p.pos.line) + ":" + std::to_string(p.pos.column) + ", found " +
                   show_here());
    ++off_;
    --nest_;
    p.source = std::string(src_.substr(start, off_ - start));
    out.push_back(std::move(p));
    return {};
  }

  // "}" or "~}" closing a directive.
  void directive_end(bool& strip_next) {
    skip_blank(true);
    if (peek() == '~') {
      ++off_;
      strip_next = true;
    }
    if (peek() != '}')
      fail(off_, "expected '}' to close the directive, found " + show_here());
    ++off_;
  }

  // After "%{": if / for (with their bodies), or else / endif / endfor,
  // which are returned to the enclosing directive.
  std::string directive(std::vector<template_part>& out, bool quoted, std::size_t end, int depth,
                        bool& strip_next) {
    std::size_t start = off_;
    off_ += 2;
    if (peek() == '~')
      ++off_;
    ++nest_;
    skip_blank();
    std::string word = ident();
    template_part p;
    p.pos = lines_.at(start);
    if (word == "else" || word == "endif" || word == "endfor") {
      directive_end(strip_next);
      --nest_;
      return word;
    }
    if (word == "if") {
      p.type = template_part::kind::if_;
      skip_blank();
      p.exprs.push_back(expression(depth + 1));
      directive_end(strip_next);
      --nest_;
      std::string closed = parts(p.body, quoted, end, depth + 1, strip_next);
      if (closed == "else")
        closed = parts(p.else_body, quoted, end, depth + 1, strip_next);
      if (closed != "endif")
        fail(start, "%{ if } is not closed by %{ endif }");
    } else if (word == "for") {
      p.type = template_part::kind::for_;
      expr head = for_variables(depth, "directive");
      p.key_var = head.key_var;
      p.value_var = head.value_var;
      p.exprs.push_back(std::move(head.args[0]));
      directive_end(strip_next);
      --nest_;
      if (parts(p.body, quoted, end, depth + 1, strip_next) != "endfor")
        fail(start, "%{ for } is not closed by %{ endfor }");
    } else {
      fail(start, "unknown template directive '" + word + "' (if, else, endif, for, endfor)");
    }
    out.push_back(std::move(p));
    return {};
  }

  expr template_string() {
    std::size_t start = off_;
    ++off_;
    expr e;
    e.kind = expr_kind::templ;
    e.pos = lines_.at(start);
    bool strip = false;
    int saved = nest_;
    nest_ = 0;
    if (!parts(e.parts, true, src_.size(), 1, strip).empty())
      fail(start, "a directive closes here that was never opened");
    nest_ = saved;
    ++off_; // the closing quote
    e.source = std::string(src_.substr(start, off_ - start));
    return e;
  }

  expr heredoc() {
    std::size_t start = off_;
    off_ += 2;
    bool indented = peek() == '-';
    if (indented)
      ++off_;
    std::string anchor = ident();
    if (anchor.empty())
      fail(start, "expected a heredoc anchor name after '<<'");
    if (peek() == '\r')
      ++off_;
    if (peek() != '\n')
      fail(off_, "expected end of line after heredoc anchor '" + anchor + "'");
    ++off_;
    // The body ends at the first line holding only the anchor.
    std::size_t body_start = off_, line = off_, body_end = std::string_view::npos, after = 0;
    while (line <= src_.size()) {
      auto nl = src_.find('\n', line);
      std::size_t line_end = nl == std::string_view::npos ? src_.size() : nl;
      std::string_view text = src_.substr(line, line_end - line);
      auto first = text.find_first_not_of(" \t");
      auto last = text.find_last_not_of(" \t\r");
      if (first != std::string_view::npos && text.substr(first, last - first + 1) == anchor) {
        body_end = line;
        after = line_end;
        break;
      }
      if (nl == std::string_view::npos)
        break;
      line = nl + 1;
    }
    if (body_end == std::string_view::npos)
      fail(start, "unterminated heredoc: no closing line '" + anchor + "'");
    expr e;
    e.kind = expr_kind::templ;
    e.pos = lines_.at(start);
    bool strip = false;
    int saved = nest_;
    nest_ = 0;
    if (!parts(e.parts, false, body_end, 1, strip).empty())
      fail(start, "a directive closes here that was never opened");
    nest_ = saved;
    off_ = after;
    if (indented)
      unindent(e.parts, src_.substr(body_start, body_end - body_start));
    e.source = std::string(src_.substr(start, off_ - start));
    return e;
  }

  // `<<-`: the least indentation of the body's lines comes off each line's
  // start in the text parts (HCL2 counts spaces and tabs alike).
  static void unindent(std::vector<template_part>& parts, std::string_view raw) {
    std::size_t least = std::string_view::npos;
    for (std::size_t pos = 0; pos < raw.size();) {
      auto nl = raw.find('\n', pos);
      std::string_view l = raw.substr(pos, nl == std::string_view::npos ? raw.npos : nl - pos);
      auto first = l.find_first_not_of(" \t\r");
      if (first != std::string_view::npos)
        least = std::min(least, first);
      if (nl == std::string_view::npos)
        break;
      pos = nl + 1;
    }
    if (least == std::string_view::npos || least == 0)
      return;
    bool line_start = true;
    for (auto& p : parts) {
      if (p.type != template_part::kind::text) {
        line_start = false;
        continue;
      }
      std::string out;
      std::size_t skip = line_start ? least : 0;
      for (char c : p.text) {
        if (skip > 0 && (c == ' ' || c == '\t')) {
          --skip;
          continue;
        }
        skip = 0;
        out += c;
        if (c == '\n')
          skip = least;
      }
      line_start = !p.text.empty() && p.text.back() == '\n';
      p.text = std::move(out);
    }
  }

  std::string_view src_;
  policy::detail::source_lines lines_;
  std::size_t off_ = 0;
  int nest_ = 0; // > 0: inside brackets, where newlines are blanks
};

} // namespace

body parse_body(std::string_view text) {
  return parser(text).file();
}

expr parse_expression(std::string_view text) {
  return parser(text).single();
}

} // namespace stevedore::policy::hcl2
