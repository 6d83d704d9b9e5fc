#include "messages/error.hpp"
#include "messages/result.hpp"

#include <gtest/gtest.h>

namespace stevedore {
namespace {

TEST(error, reads_as_one_line_naming_what_and_why) {
  auto e = make_error(errc::unauthorized, "task web: pull 127.0.0.1:5000/app:1",
                      "registry answered 401 unauthorized", 401);
  EXPECT_EQ(to_string(e), "task web: pull 127.0.0.1:5000/app:1: registry answered 401 unauthorized");
}

TEST(error, retry_helps_only_where_the_cause_can_pass) {
  EXPECT_TRUE(retryable(make_error(errc::daemon_unreachable, "ping", "refused")));
  EXPECT_TRUE(retryable(make_error(errc::daemon_error, "create", "boom", 500)));
  EXPECT_FALSE(retryable(make_error(errc::daemon_error, "create", "bad", 400)));
  EXPECT_FALSE(retryable(make_error(errc::not_found, "pull", "no such image", 404)));
  EXPECT_FALSE(retryable(make_error(errc::unauthorized, "pull", "denied", 401)));
}

TEST(printable, control_characters_become_escapes) {
  EXPECT_EQ(printable("a\x1b[2Kb\rc\nd\te\x7f"), "a\\u001b[2Kb\\rc\\nd\\te\\u007f");
  // C1 controls (CSI is U+009B) and bytes that are not UTF-8.
  EXPECT_EQ(printable("x\xc2\x9by\xff"), "x\\u009by\\xff");
  // Printable text, UTF-8 included, is kept as it is; twice is once.
  EXPECT_EQ(printable("caf\xc3\xa9 \"q\" \\"), "caf\xc3\xa9 \"q\" \\");
  EXPECT_EQ(printable(printable("a\x1b" "b")), printable("a\x1b" "b"));
}

TEST(printable, long_text_is_cut_and_says_how_much) {
  std::string big(4 << 20, 'a');
  auto out = printable(big);
  EXPECT_EQ(out, std::string(max_line_bytes, 'a') + "... (" +
                   std::to_string(big.size() - max_line_bytes) + " more bytes)");
}

TEST(quote_value, escapes_quotes_and_controls_and_cuts_on_a_character) {
  EXPECT_EQ(quote_value("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
  std::string big = "\xc3\xa9" + std::string(300, 'b');
  auto q = quote_value(big, 3); // byte 3 is inside no character: cut after the é and one b
  EXPECT_EQ(q, "\"\xc3\xa9" "b\"... (299 more bytes)");
  EXPECT_EQ(quote_value("\xc3\xa9\xc3\xa9", 3), "\"\xc3\xa9\"... (2 more bytes)");
}

TEST(error, to_string_is_printable_and_bounded) {
  auto e = make_error(errc::invalid_input, "job.j\x1b[2K", "\r" + std::string(10000, 'v'));
  auto line = to_string(e);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_LT(line.size(), max_line_bytes + 40);
  EXPECT_EQ(line.substr(0, 24), "job.j\\u001b[2K: \\rvvvvvv");
}

TEST(result, holds_a_value_or_an_error) {
  result<int> ok = 3;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  result<int> bad = make_error(errc::timeout, "ping", "deadline passed");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, errc::timeout);
}

} // namespace
} // namespace stevedore
