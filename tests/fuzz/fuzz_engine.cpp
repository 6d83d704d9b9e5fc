// libFuzzer entry for the decoders of what the daemon sends: the first byte
// picks one (a JSON body decoder, a JSON-lines stream of pull progress or
// events split at the second byte, or the 8-byte multiplexed log frames fed
// in pieces), the rest is its input. No crash, no undefined behaviour, and
// every failure is malformed_answer naming the call.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "docker/client.hpp"
#include "docker/decode.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace stevedore;

template <class R>
void expect_decoded_or_malformed(const R& r, const char* call) {
  if (!r.ok() && r.error().kind != errc::malformed_answer)
    fuzz::violated(call, to_string(r.error()));
}

void lines(std::string_view input, std::size_t cut, bool events) {
  docker::line_splitter split(4096);
  auto on_line = [&](std::string_view line) {
    if (events)
      expect_decoded_or_malformed(docker::decode::event(line, "events"), "event");
    else
      expect_decoded_or_malformed(docker::decode::progress_line(line, "pull"), "pull progress");
    return true;
  };
  cut = std::min(cut, input.size());
  if (split.feed(input.substr(0, cut), on_line))
    split.feed(input.substr(cut), on_line);
}

void frames(std::string_view input, std::size_t step) {
  docker::frame_decoder d([](docker::output_stream, std::string_view) { return true; });
  step = step == 0 ? 1 : step;
  for (std::size_t at = 0; at < input.size(); at += step)
    if (!d.feed(input.substr(at, step)))
      break;
  if (d.error().kind != errc::ok && d.error().kind != errc::malformed_answer)
    fuzz::violated("frames", to_string(d.error()));
  (void)d.finish();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2)
    return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::size_t arg = data[1];
  namespace d = docker::decode;
  switch (data[0] % 10) {
    case 0: expect_decoded_or_malformed(d::info(body, "info"), "info"); break;
    case 1: expect_decoded_or_malformed(d::version(body, "version"), "version"); break;
    case 2: expect_decoded_or_malformed(d::container(body, "inspect"), "inspect"); break;
    case 3: expect_decoded_or_malformed(d::container_list(body, "list"), "list"); break;
    case 4: expect_decoded_or_malformed(d::stats(body, "stats"), "stats"); break;
    case 5: expect_decoded_or_malformed(d::image(body, "image"), "image"); break;
    case 6: expect_decoded_or_malformed(d::network(body, "network"), "network"); break;
    case 7: lines(body, arg, false); break;
    case 8: lines(body, arg, true); break;
    case 9: frames(body, arg); break;
  }
  return 0;
}
