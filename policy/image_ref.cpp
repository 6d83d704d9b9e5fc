#include "policy/image_ref.hpp"

#include <arpa/inet.h>

#include <cctype>

namespace stevedore::policy {

namespace {

constexpr std::size_t max_name_length = 255;
constexpr std::size_t max_tag_length = 128;

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_word(char c) {
  return is_alnum(c) || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f');
}
bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s);
  out += '"';
  return out;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
bool valid_component(std::string_view s) {
  std::size_t i = 0;
  auto alnum_run = [&] {
    std::size_t start = i;
    while (i < s.size() && is_lower_alnum(s[i]))
      ++i;
    return i > start;
  };
  if (!alnum_run())
    return false;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_')
        ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-')
        ++i;
    } else {
      return false;
    }
    if (!alnum_run())
      return false;
  }
  return true;
}

// label := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_label(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back()))
    return false;
  for (char c : s)
    if (!is_alnum(c) && c != '-')
      return false;
  return true;
}

// host [":" port], host being DNS labels joined by "." or "[IPv6]".
bool valid_domain(std::string_view s) {
  std::string_view host = s;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos)
      return false;
    std::string inner(s.substr(1, close - 1));
    in6_addr addr{};
    if (inet_pton(AF_INET6, inner.c_str(), &addr) != 1)
      return false;
    host = s.substr(0, close + 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return false;
      port = rest.substr(1);
      if (port.empty())
        return false;
    }
  } else {
    auto colon = s.find(':');
    if (colon != std::string_view::npos) {
      host = s.substr(0, colon);
      port = s.substr(colon + 1);
      if (port.empty())
        return false;
    }
    std::size_t start = 0;
    while (true) {
      auto dot = host.find('.', start);
      if (!valid_domain_label(host.substr(start, dot == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : dot - start)))
        return false;
      if (dot == std::string_view::npos)
        break;
      start = dot + 1;
    }
  }
  for (char c : port)
    if (!is_digit(c))
      return false;
  return true;
}

bool valid_tag(std::string_view s) {
  if (s.empty() || s.size() > max_tag_length || !is_word(s.front()))
    return false;
  for (char c : s)
    if (!is_word(c) && c != '.' && c != '-')
      return false;
  return true;
}

// algorithm := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
bool valid_algorithm(std::string_view s) {
  std::size_t i = 0;
  auto part = [&] {
    if (i >= s.size() || !std::isalpha(static_cast<unsigned char>(s[i])))
      return false;
    ++i;
    while (i < s.size() && is_alnum(s[i]))
      ++i;
    return true;
  };
  if (!part())
    return false;
  while (i < s.size()) {
    if (s[i] != '-' && s[i] != '_' && s[i] != '+' && s[i] != '.')
      return false;
    ++i;
    if (!part())
      return false;
  }
  return true;
}

// "" when valid, else why not.
std::string check_digest(std::string_view d) {
  auto colon = d.find(':');
  if (colon == std::string_view::npos || !valid_algorithm(d.substr(0, colon)))
    return "invalid digest " + quoted(d) + " (expected algorithm:hex, e.g. sha256:<64 hex digits>)";
  std::string_view algorithm = d.substr(0, colon);
  std::string_view hex = d.substr(colon + 1);
  if (hex.size() < 32)
    return "invalid digest " + quoted(d) + " (expected algorithm:hex, e.g. sha256:<64 hex digits>)";
  for (char c : hex)
    if (!is_hex(c))
      return "invalid digest " + quoted(d) + " (expected algorithm:hex, e.g. sha256:<64 hex digits>)";
  std::size_t want = 0;
  if (algorithm == "sha256")
    want = 64;
  else if (algorithm == "sha384")
    want = 96;
  else if (algorithm == "sha512")
    want = 128;
  else
    return "unsupported digest algorithm " + quoted(algorithm) +
           " (sha256, sha384 or sha512)";
  bool lower = true;
  for (char c : hex)
    lower = lower && is_lower_hex(c);
  if (hex.size() != want || !lower)
    return "invalid digest " + quoted(d) + ": " + std::string(algorithm) + " needs " +
           std::to_string(want) + " lowercase hex digits";
  return {};
}

bool is_image_id(std::string_view s) {
  if (s.size() != 64)
    return false;
  for (char c : s)
    if (!is_lower_hex(c))
      return false;
  return true;
}

} // namespace

std::string_view strip_image_scheme(std::string_view text) noexcept {
  constexpr std::string_view https = "https://";
  if (text.substr(0, https.size()) == https)
    text.remove_prefix(https.size());
  return text;
}

result<image_ref> parse_image_ref(std::string_view text) {
  auto fail = [&](std::string why) {
    return make_error(errc::invalid_input, "",
                      quoted(text) + " is not a valid image reference: " + std::move(why));
  };
  if (text.substr(0, 7) == "http://")
    return fail("drop \"http://\": the daemon itself chooses HTTPS, or plain HTTP for "
                "registries it trusts as insecure");
  std::string_view s = strip_image_scheme(text);
  if (s.empty())
    return fail("it is empty");
  if (is_image_id(s))
    return fail("a 64-character hexadecimal image ID cannot be pulled; name a repository");

  image_ref ref;
  std::string_view name_tag = s;
  if (auto at = s.find('@'); at != std::string_view::npos) {
    std::string_view digest = s.substr(at + 1);
    if (auto why = check_digest(digest); !why.empty())
      return fail(why);
    ref.digest = std::string(digest);
    name_tag = s.substr(0, at);
  }
  std::string_view name = name_tag;
  auto slash = name_tag.rfind('/');
  auto colon = name_tag.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = name_tag.substr(colon + 1);
    if (!valid_tag(tag))
      return fail("invalid tag " + quoted(tag) +
                  " (up to 128 letters, digits, \"_\", \".\" or \"-\", not starting with "
                  "\".\" or \"-\")");
    ref.tag = std::string(tag);
    name = name_tag.substr(0, colon);
  }
  if (name.empty())
    return fail("repository name must have at least one component");
  if (name.size() > max_name_length)
    return fail("repository name must not be more than 255 characters");

  std::string_view path = name;
  auto first_slash = name.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view first = name.substr(0, first_slash);
    bool is_domain = first.find_first_of(".:") != std::string_view::npos ||
                     first == "localhost" || lowered(first) != first;
    if (is_domain) {
      if (!valid_domain(first))
        return fail("invalid registry " + quoted(first));
      ref.registry = std::string(first);
      path = name.substr(first_slash + 1);
    }
  }
  if (ref.registry.empty() || ref.registry == "index.docker.io")
    ref.registry = std::string(docker_hub_registry);

  std::size_t start = 0;
  while (true) {
    auto end = path.find('/', start);
    std::string_view component =
      path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!valid_component(component)) {
      if (!component.empty() && valid_component(lowered(component)))
        return fail("repository name must be lowercase");
      return fail("invalid repository name component " + quoted(component) +
                  " (lowercase letters and digits, separated by \".\", \"_\", \"__\" or \"-\")");
    }
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  ref.repository = std::string(path);
  if (ref.registry == docker_hub_registry && path.find('/') == std::string_view::npos)
    ref.repository = "library/" + ref.repository;
  if (ref.tag.empty() && ref.digest.empty())
    ref.tag = "latest";
  return ref;
}

std::string familiar_name(const image_ref& ref) {
  if (ref.registry != docker_hub_registry)
    return ref.registry + "/" + ref.repository;
  constexpr std::string_view library = "library/";
  std::string_view repo = ref.repository;
  if (repo.substr(0, library.size()) == library &&
      repo.find('/', library.size()) == std::string_view::npos)
    repo.remove_prefix(library.size());
  return std::string(repo);
}

namespace {
std::string with_suffixes(std::string name, const image_ref& ref) {
  if (!ref.tag.empty())
    name += ":" + ref.tag;
  if (!ref.digest.empty())
    name += "@" + ref.digest;
  return name;
}
} // namespace

std::string familiar_string(const image_ref& ref) {
  return with_suffixes(familiar_name(ref), ref);
}

std::string canonical_string(const image_ref& ref) {
  return with_suffixes(ref.registry + "/" + ref.repository, ref);
}

bool always_pull(const image_ref& ref) noexcept {
  return ref.digest.empty() && ref.tag == "latest";
}

} // namespace stevedore::policy
