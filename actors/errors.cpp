#include "actors/errors.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace stevedore {

caf::atom_value error_category() noexcept {
  return caf::atom("stevedore");
}

caf::error to_caf(const error_info& e) {
  return caf::error(static_cast<uint8_t>(e.kind), error_category(),
                    caf::make_message(e.what, e.message, e.status));
}

error_info from_caf(const caf::error& e, std::string what) {
  if (e.category() == error_category()) {
    error_info out;
    out.kind = static_cast<errc>(e.code());
    const auto& ctx = e.context();
    if (ctx.match_elements<std::string, std::string, int>()) {
      out.what = ctx.get_as<std::string>(0);
      out.message = ctx.get_as<std::string>(1);
      out.status = ctx.get_as<int>(2);
    }
    if (out.what.empty())
      out.what = std::move(what);
    return out;
  }
  errc kind = errc::internal;
  if (e.category() == caf::atom("system")) {
    auto code = static_cast<caf::sec>(e.code());
    if (code == caf::sec::request_timeout)
      kind = errc::timeout;
    else if (code == caf::sec::request_receiver_down)
      kind = errc::unavailable;
  }
  return make_error(kind, std::move(what), caf::to_string(e));
}

} // namespace stevedore
