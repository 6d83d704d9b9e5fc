// Text kept for long but read seldom, compressed with LZ4. A running task
// keeps its create body (~1 KB of JSON) only to re-create its container on a
// restart; packed it is about 55% of that, for ~2 us per pack and well under
// 1 us per unpack (zlib's deflate saves a little more but costs several
// times the CPU, paid by every task at launch).
#pragma once

#include <string>
#include <string_view>

#include "messages/result.hpp"

namespace stevedore {

// The text's length (4 bytes, little-endian) and its LZ4 block; shrunk to
// fit. Empty for an empty text or one of 2 GB or more (kept as it is then).
std::string pack_text(std::string_view text);

// The text pack_text was given; an error names what when `packed` is not
// what pack_text made.
result<std::string> unpack_text(std::string_view packed, const std::string& what);

} // namespace stevedore
