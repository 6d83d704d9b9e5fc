// X-Registry-Auth encoding and registry keys (docker/registry_auth.hpp).
#include "docker/registry_auth.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "messages/json.hpp"

namespace stevedore::docker {

namespace {

constexpr char std_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view bytes, const char* alphabet) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += alphabet[n >> 6 & 63];
    out += alphabet[n & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t n = at(i) << 16;
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += "==";
  } else if (rest == 2) {
    std::uint32_t n = at(i) << 16 | at(i + 1) << 8;
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += alphabet[n >> 6 & 63];
    out += '=';
  }
  return out;
}

int std_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

std::string base64url_encode(std::string_view bytes) { return encode(bytes, url_alphabet); }

std::string base64_encode(std::string_view bytes) { return encode(bytes, std_alphabet); }

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t digits = 0;
  std::size_t padding = 0;
  for (char c : text) {
    if (c == '\r' || c == '\n')
      continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    int v = std_value(c);
    if (v < 0 || padding > 0) // a digit after '=' is as bad as a stray byte
      return std::nullopt;
    acc = acc << 6 | static_cast<std::uint32_t>(v);
    bits += 6;
    ++digits;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(acc >> bits & 0xff);
    }
  }
  // A group of 4 digits holds 3 bytes; a last group of 1 digit holds none.
  if (digits % 4 == 1)
    return std::nullopt;
  if (padding > 0 && (digits + padding) % 4 != 0)
    return std::nullopt;
  return out;
}

std::string encode_registry_auth(const registry_credentials& creds) {
  std::string body = "{";
  auto field = [&body](std::string_view key, std::string_view value) {
    if (body.size() > 1)
      body += ',';
    json_escape(body, key);
    body += ':';
    json_escape(body, value);
  };
  if (!creds.identity_token.empty()) {
    field("identitytoken", creds.identity_token);
    if (!creds.server_address.empty())
      field("serveraddress", creds.server_address);
  } else {
    field("username", creds.username);
    field("password", creds.password);
    field("email", creds.email);
    field("serveraddress", creds.server_address);
  }
  body += '}';
  return base64url_encode(body);
}

std::string encode_anonymous_auth() { return base64url_encode("{}"); }

std::string registry_key(const image_ref& image) {
  if (image.registry.empty() || image.registry == docker_hub_registry)
    return std::string(docker_hub_key);
  return image.registry;
}

std::string registry_hostname(std::string_view key_or_address) {
  std::string_view s = key_or_address;
  if (starts_with(s, "http://"))
    s.remove_prefix(7);
  else if (starts_with(s, "https://"))
    s.remove_prefix(8);
  s = s.substr(0, s.find('/'));
  std::string host = lower(s);
  if (host == "docker.io" || host == "registry-1.docker.io")
    return "index.docker.io";
  return host;
}

} // namespace stevedore::docker
