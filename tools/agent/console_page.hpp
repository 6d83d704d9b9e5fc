// The inspection console's web page (console/index.html), served at / by the
// agent: HTML, CSS and JavaScript in one text compiled into the binary.
#pragma once

#include <string_view>

namespace stevedore::agent {

std::string_view console_page();

} // namespace stevedore::agent
