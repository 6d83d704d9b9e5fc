// docker.auth.config lookup (docker/docker_config.hpp). The file is small and
// read rarely (once per pull that needs credentials), so each lookup reads
// it afresh: an operator's edit takes effect without a restart.
#include "docker/docker_config.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "docker/registry_auth.hpp"
#include "messages/json.hpp"

namespace stevedore::docker {

namespace {

namespace od = simdjson::ondemand;

// One `auths` entry, decoded.
struct auths_entry {
  std::string key;
  registry_credentials creds;
  bool counts() const {
    return !creds.username.empty() || !creds.password.empty() || !creds.identity_token.empty();
  }
};

struct config_file {
  std::vector<auths_entry> auths;
  std::vector<std::pair<std::string, std::string>> cred_helpers; // key, helper
  std::string creds_store;
};

// Builds errors that name the file and the field, never a value.
class reader {
public:
  explicit reader(const std::string& source) : what_("docker.auth.config " + source) {}

  error_info fail(const std::string& field, const std::string& why) const {
    return make_error(errc::invalid_input, what_, field.empty() ? why : field + ": " + why);
  }
  // `expected` names the type the field should have ("an object").
  error_info fail(const std::string& field, simdjson::error_code e, const char* expected) const {
    if (e == simdjson::INCORRECT_TYPE)
      return fail(field, std::string("not ") + expected);
    return fail(field, std::string("not valid JSON (") + simdjson::error_message(e) + ")");
  }

private:
  std::string what_;
};

std::string keyed(const char* section, std::string_view key) {
  std::string out = section;
  out += '[';
  json_escape(out, key);
  out += ']';
  return out;
}

bool is_null(od::value& v) {
  od::json_type t;
  return !v.type().get(t) && t == od::json_type::null;
}

// A string field; null keeps `out` empty. Returns the error, or SUCCESS.
simdjson::error_code read_string(od::value v, std::string& out) {
  if (is_null(v))
    return simdjson::SUCCESS;
  std::string_view s;
  if (auto e = v.get_string().get(s))
    return e;
  out.assign(s);
  return simdjson::SUCCESS;
}

std::optional<error_info> read_entry(const reader& r, od::value v, auths_entry& entry) {
  std::string where = keyed("auths", entry.key);
  if (is_null(v))
    return std::nullopt;
  od::object obj;
  if (auto e = v.get_object().get(obj))
    return r.fail(where, e, "an object");
  std::string auth;
  for (auto fr : obj) {
    od::field f;
    std::string_view name;
    if (auto e = std::move(fr).get(f))
      return r.fail(where, e, "an object");
    if (auto e = f.unescaped_key().get(name))
      return r.fail(where, e, "an object");
    std::string field = std::string(name);
    std::string* target = nullptr;
    if (field == "auth") target = &auth;
    else if (field == "username") target = &entry.creds.username;
    else if (field == "password") target = &entry.creds.password;
    else if (field == "email") target = &entry.creds.email;
    else if (field == "identitytoken") target = &entry.creds.identity_token;
    if (!target)
      continue; // serveraddress, registrytoken and unknown fields: the key is the address
    if (auto e = read_string(f.value(), *target))
      return r.fail(where + "." + field, e, "a string");
  }
  if (!auth.empty()) {
    // The CLI's decodeAuth: base64 of "user:password"; it wins over the fields.
    auto plain = base64_decode(auth);
    if (!plain)
      return r.fail(where + ".auth", "not valid base64");
    auto colon = plain->find(':');
    if (colon == std::string::npos)
      return r.fail(where + ".auth", "decodes to no user:password pair");
    entry.creds.username = plain->substr(0, colon);
    entry.creds.password = plain->substr(colon + 1);
  }
  entry.creds.server_address = entry.key;
  return std::nullopt;
}

std::optional<error_info> read_auths(const reader& r, od::value v, config_file& out) {
  if (is_null(v))
    return std::nullopt;
  od::object obj;
  if (auto e = v.get_object().get(obj))
    return r.fail("auths", e, "an object");
  for (auto fr : obj) {
    od::field f;
    std::string_view key;
    if (auto e = std::move(fr).get(f))
      return r.fail("auths", e, "an object");
    if (auto e = f.unescaped_key().get(key))
      return r.fail("auths", e, "an object");
    auths_entry entry;
    entry.key.assign(key);
    if (auto err = read_entry(r, f.value(), entry))
      return err;
    out.auths.push_back(std::move(entry));
  }
  return std::nullopt;
}

std::optional<error_info> read_helpers(const reader& r, od::value v, config_file& out) {
  if (is_null(v))
    return std::nullopt;
  od::object obj;
  if (auto e = v.get_object().get(obj))
    return r.fail("credHelpers", e, "an object");
  for (auto fr : obj) {
    od::field f;
    std::string_view key;
    if (auto e = std::move(fr).get(f))
      return r.fail("credHelpers", e, "an object");
    if (auto e = f.unescaped_key().get(key))
      return r.fail("credHelpers", e, "an object");
    std::pair<std::string, std::string> item{std::string(key), ""};
    if (auto e = read_string(f.value(), item.second))
      return r.fail(keyed("credHelpers", key), e, "a string");
    out.cred_helpers.push_back(std::move(item));
  }
  return std::nullopt;
}

result<config_file> parse(const reader& r, const std::string& text) {
  simdjson::padded_string input(text);
  // On-Demand reads lazily and stops at the root's end, so trailing text
  // ("{} {}") and faults in skipped values would pass; the DOM parser checks
  // the whole document first, as the CLI's json.Unmarshal does.
  simdjson::dom::parser validator;
  if (auto e = validator.parse(input).error())
    return r.fail("", e, "a JSON object");
  od::parser parser;
  od::document doc;
  if (auto e = parser.iterate(input).get(doc))
    return r.fail("", e, "a JSON object");
  od::object root;
  if (auto e = doc.get_object().get(root))
    return r.fail("", e, "a JSON object");
  config_file out;
  for (auto fr : root) {
    od::field f;
    std::string_view name;
    if (auto e = std::move(fr).get(f))
      return r.fail("", e, "an object");
    if (auto e = f.unescaped_key().get(name))
      return r.fail("", e, "an object");
    std::optional<error_info> err;
    if (name == "auths") {
      err = read_auths(r, f.value(), out);
    } else if (name == "credHelpers") {
      err = read_helpers(r, f.value(), out);
    } else if (name == "credsStore") {
      if (auto e = read_string(f.value(), out.creds_store))
        err = r.fail("credsStore", e, "a string");
    }
    if (err)
      return std::move(*err);
  }
  return out;
}

// The exact key first, then the first key naming the same host.
template <class Items, class Key>
auto find_registry(const Items& items, const std::string& registry, Key key_of)
  -> decltype(&*items.begin()) {
  for (const auto& item : items)
    if (key_of(item) == registry)
      return &item;
  std::string host = registry_hostname(registry);
  for (const auto& item : items)
    if (registry_hostname(key_of(item)) == host)
      return &item;
  return nullptr;
}

} // namespace

result<auth_source> lookup_docker_config_text(const std::string& text, const std::string& source,
                                              const std::string& registry) {
  reader r(source);
  auto parsed = parse(r, text);
  if (!parsed)
    return std::move(parsed).error();
  const config_file& cfg = *parsed;
  auth_source out;

  std::vector<const auths_entry*> usable;
  for (const auto& e : cfg.auths)
    if (e.counts())
      usable.push_back(&e);
  if (auto hit = find_registry(usable, registry, [](const auths_entry* e) { return e->key; })) {
    out.from = auth_source::kind::credentials;
    out.credentials = (*hit)->creds;
    out.origin = keyed("auths", (*hit)->key);
    return out;
  }

  std::vector<const std::pair<std::string, std::string>*> helpers;
  for (const auto& h : cfg.cred_helpers)
    if (!h.second.empty())
      helpers.push_back(&h);
  if (auto hit = find_registry(helpers, registry, [](const auto* h) { return h->first; })) {
    out.from = auth_source::kind::helper;
    out.helper = (*hit)->second;
    out.origin = keyed("credHelpers", (*hit)->first);
    return out;
  }

  if (!cfg.creds_store.empty()) {
    out.from = auth_source::kind::helper;
    out.helper = cfg.creds_store;
    out.origin = "credsStore";
  }
  return out;
}

result<auth_source> lookup_docker_config(const std::string& path, const std::string& registry) {
  reader r(path);
  std::FILE* f = std::fopen(path.c_str(), "rbe");
  if (!f)
    return r.fail("", std::string("cannot open: ") + std::strerror(errno));
  std::string text;
  char buf[16384];
  std::size_t n = 0;
  bool too_big = false;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (text.size() + n > docker_config_max_bytes) {
      too_big = true;
      break;
    }
    text.append(buf, n);
  }
  bool failed = std::ferror(f) != 0;
  int read_errno = errno;
  std::fclose(f);
  if (too_big)
    return r.fail("", "file larger than " + std::to_string(docker_config_max_bytes) + " bytes");
  if (failed)
    return r.fail("", std::string("cannot read: ") + std::strerror(read_errno));
  return lookup_docker_config_text(text, path, registry);
}

} // namespace stevedore::docker
