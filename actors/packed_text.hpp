// Text kept for long but read seldom, deflated (zlib, raw deflate). A running
// task keeps its create body (~1 KB of JSON) only to re-create its container
// on a restart; packed it is about half that, for 1-2 us per pack or unpack.
#pragma once

#include <string>
#include <string_view>

#include "messages/result.hpp"

namespace stevedore {

// The deflated bytes of `text`; shrunk to fit.
std::string pack_text(std::string_view text);

// The text pack_text was given; an error names what when `packed` is not
// what pack_text made.
result<std::string> unpack_text(std::string_view packed, const std::string& what);

} // namespace stevedore
