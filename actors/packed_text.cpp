#include "actors/packed_text.hpp"

#include <zlib.h>

namespace stevedore {

namespace {

// Raw deflate (no zlib header: nothing else reads these bytes) with a 1 KB
// window and the smallest hash: the texts are a few KB at most, their
// repeats (an allocation id, its folders) close together.
constexpr int window_bits = -10;
constexpr int mem_level = 1;

// One deflate and one inflate stream per thread, reset between texts: a
// stream's set-up (~11 KB allocated and partly cleared) costs more than
// packing a 1 KB text, and every task pays it at launch.
struct deflater {
  z_stream z{};
  bool ok = deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, window_bits, mem_level,
                         Z_DEFAULT_STRATEGY) == Z_OK;
  ~deflater() {
    if (ok)
      deflateEnd(&z);
  }
};

struct inflater {
  z_stream z{};
  bool ok = inflateInit2(&z, window_bits) == Z_OK;
  ~inflater() {
    if (ok)
      inflateEnd(&z);
  }
};

} // namespace

std::string pack_text(std::string_view text) {
  thread_local deflater d;
  if (!d.ok || deflateReset(&d.z) != Z_OK)
    return {};
  auto& z = d.z;
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END)
    return {};
  out.resize(z.total_out);
  out.shrink_to_fit();
  return out;
}

result<std::string> unpack_text(std::string_view packed, const std::string& what) {
  thread_local inflater f;
  if (!f.ok || inflateReset(&f.z) != Z_OK)
    return make_error(errc::internal, what, "cannot start inflating");
  auto& z = f.z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  std::string out;
  char buf[4096];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    int rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc == Z_STREAM_END)
      return out;
    if (rc != Z_OK || (z.avail_in == 0 && z.avail_out != 0))
      return make_error(errc::internal, what,
                        std::string("packed text is damaged: ") + (z.msg ? z.msg : "truncated"));
  }
}

} // namespace stevedore
