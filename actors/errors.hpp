// stevedore's error_info as a CAF error: category atom "stevedore", code =
// errc, context = (what, message, status). Lets a handler `return` an
// error_info into a request's error path and get it back whole on the other
// side.
#pragma once

#include <caf/error.hpp>

#include "messages/error.hpp"

namespace stevedore {

caf::atom_value error_category() noexcept;

caf::error to_caf(const error_info& e);

// The error_info inside a CAF error: whole when it came from to_caf, else
// kind internal (or timeout / unavailable for CAF's own request errors) with
// CAF's rendering as the message.
error_info from_caf(const caf::error& e, std::string what = {});

} // namespace stevedore
