#include "actors/packed_text.hpp"

#include <lz4.h>

#include <cstdint>

namespace stevedore {

namespace {

constexpr std::size_t header = 4; // the text's length

} // namespace

std::string pack_text(std::string_view text) {
  if (text.empty() || text.size() > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE))
    return {};
  auto size = static_cast<int>(text.size());
  std::string out(header + static_cast<std::size_t>(LZ4_compressBound(size)), '\0');
  for (std::size_t i = 0; i < header; ++i)
    out[i] = static_cast<char>((static_cast<std::uint32_t>(size) >> (8 * i)) & 0xff);
  int n = LZ4_compress_default(text.data(), out.data() + header, size,
                               static_cast<int>(out.size() - header));
  if (n <= 0)
    return {};
  out.resize(header + static_cast<std::size_t>(n));
  out.shrink_to_fit();
  return out;
}

result<std::string> unpack_text(std::string_view packed, const std::string& what) {
  if (packed.size() <= header)
    return make_error(errc::internal, what, "packed text is damaged: too short");
  std::uint32_t size = 0;
  for (std::size_t i = 0; i < header; ++i)
    size |= static_cast<std::uint32_t>(static_cast<unsigned char>(packed[i])) << (8 * i);
  if (size == 0 || size > static_cast<std::uint32_t>(LZ4_MAX_INPUT_SIZE))
    return make_error(errc::internal, what, "packed text is damaged: bad length");
  std::string out(size, '\0');
  int n = LZ4_decompress_safe(packed.data() + header, out.data(),
                              static_cast<int>(packed.size() - header), static_cast<int>(size));
  if (n != static_cast<int>(size))
    return make_error(errc::internal, what, "packed text is damaged: it does not unpack to " +
                                              std::to_string(size) + " bytes");
  return out;
}

} // namespace stevedore
