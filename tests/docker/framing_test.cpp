// frame_decoder and line_splitter: every split point of the input gives the
// same messages as the whole input; bad and cut frames are malformed.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "docker/client.hpp"

namespace stevedore::docker {
namespace {

std::string frame(int stream, std::string_view payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  auto n = static_cast<std::uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + std::string(payload);
}

// Output merged per stream switch: pieces of one frame join, frames of
// different streams stay apart.
using outputs = std::vector<std::pair<output_stream, std::string>>;

struct collector {
  outputs got;
  output_fn fn() {
    return [this](output_stream s, std::string_view bytes) {
      if (!got.empty() && got.back().first == s)
        got.back().second += bytes;
      else
        got.emplace_back(s, std::string(bytes));
      return true;
    };
  }
};

TEST(FrameDecoder, EverySplitPointGivesTheSameOutput) {
  std::string input = frame(1, "out line\n") + frame(2, "err line\n") + frame(1, "") +
                      frame(1, "more out\n") + frame(0, "in");
  outputs want = {{output_stream::stdout_stream, "out line\n"},
                  {output_stream::stderr_stream, "err line\n"},
                  {output_stream::stdout_stream, "more out\n"},
                  {output_stream::stdin_stream, "in"}};
  for (std::size_t a = 0; a <= input.size(); ++a) {
    for (std::size_t b = a; b <= input.size(); ++b) {
      collector c;
      frame_decoder d(c.fn());
      ASSERT_TRUE(d.feed(input.substr(0, a)));
      ASSERT_TRUE(d.feed(input.substr(a, b - a)));
      ASSERT_TRUE(d.feed(input.substr(b)));
      ASSERT_TRUE(d.finish().ok()) << a << "," << b;
      ASSERT_EQ(c.got, want) << "split at " << a << " and " << b;
    }
  }
}

TEST(FrameDecoder, OneByteAtATime) {
  std::string input = frame(2, "x") + frame(1, "hello");
  collector c;
  frame_decoder d(c.fn());
  for (char ch : input)
    ASSERT_TRUE(d.feed(std::string_view(&ch, 1)));
  EXPECT_TRUE(d.finish().ok());
  EXPECT_EQ(c.got, (outputs{{output_stream::stderr_stream, "x"}, {output_stream::stdout_stream, "hello"}}));
}

TEST(FrameDecoder, BadStreamByteIsMalformed) {
  collector c;
  frame_decoder d(c.fn());
  std::string bad = frame(1, "ok") + frame(7, "bad");
  EXPECT_FALSE(d.feed(bad));
  EXPECT_EQ(d.error().kind, errc::malformed_answer);
  EXPECT_NE(d.error().message.find("bad frame header 07"), std::string::npos) << d.error().message;
  EXPECT_FALSE(d.finish().ok());
  EXPECT_EQ(c.got, (outputs{{output_stream::stdout_stream, "ok"}}));
  EXPECT_FALSE(d.feed(frame(1, "after"))); // stays failed
}

TEST(FrameDecoder, NonZeroPaddingIsMalformed) {
  frame_decoder d([](output_stream, std::string_view) { return true; });
  std::string f = frame(1, "x");
  f[2] = 1;
  EXPECT_FALSE(d.feed(f));
  EXPECT_EQ(d.error().kind, errc::malformed_answer);
}

TEST(FrameDecoder, PlainTextIsMalformed) {
  // What a TTY container's raw output looks like when taken for frames.
  frame_decoder d([](output_stream, std::string_view) { return true; });
  EXPECT_FALSE(d.feed("hello world\n"));
  EXPECT_EQ(d.error().kind, errc::malformed_answer);
}

TEST(FrameDecoder, TruncatedFrameIsMalformedAtFinish) {
  std::string input = frame(1, "0123456789");
  for (std::size_t cut = 1; cut < input.size(); ++cut) {
    frame_decoder d([](output_stream, std::string_view) { return true; });
    ASSERT_TRUE(d.feed(input.substr(0, cut)));
    auto r = d.finish();
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.error().kind, errc::malformed_answer);
  }
}

TEST(FrameDecoder, ConsumerStopEndsCleanly) {
  int calls = 0;
  frame_decoder d([&](output_stream, std::string_view) { return ++calls < 2; });
  EXPECT_FALSE(d.feed(frame(1, "a") + frame(1, "b") + frame(1, "c")));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(d.error().kind, errc::ok);
  EXPECT_TRUE(d.finish().ok());
}

std::vector<std::string> split_all(line_splitter& s, const std::vector<std::string_view>& chunks) {
  std::vector<std::string> lines;
  for (auto c : chunks)
    EXPECT_TRUE(s.feed(c, [&](std::string_view l) {
      lines.emplace_back(l);
      return true;
    }));
  return lines;
}

TEST(LineSplitter, EverySplitPointGivesTheSameLines) {
  std::string input = "{\"a\":1}\r\n{\"b\":2}\n\n{\"c\":\"x y\"}\r\ntail";
  std::vector<std::string> want = {"{\"a\":1}", "{\"b\":2}", "", "{\"c\":\"x y\"}"};
  for (std::size_t a = 0; a <= input.size(); ++a) {
    for (std::size_t b = a; b <= input.size(); ++b) {
      line_splitter s;
      std::string_view in(input);
      auto lines = split_all(s, {in.substr(0, a), in.substr(a, b - a), in.substr(b)});
      ASSERT_EQ(lines, want) << "split at " << a << " and " << b;
      ASSERT_EQ(s.rest(), "tail");
    }
  }
}

TEST(LineSplitter, LineOverTheCapStops) {
  line_splitter s(8);
  int lines = 0;
  auto count = [&](std::string_view) { return ++lines > 0; };
  EXPECT_TRUE(s.feed("12345678\n", count));
  EXPECT_FALSE(s.feed("123456789\n", count));
  EXPECT_TRUE(s.over_limit());
  EXPECT_EQ(lines, 1);

  line_splitter t(8); // over the cap without ever seeing a newline
  EXPECT_TRUE(t.feed("12345", count));
  EXPECT_FALSE(t.feed("6789abc", count));
  EXPECT_TRUE(t.over_limit());
}

TEST(LineSplitter, ConsumerStop) {
  line_splitter s;
  std::vector<std::string> got;
  EXPECT_FALSE(s.feed("a\nb\nc\n", [&](std::string_view l) {
    got.emplace_back(l);
    return got.size() < 2;
  }));
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(s.over_limit());
}

TEST(OutputStream, Names) {
  EXPECT_STREQ(to_string(output_stream::stdout_stream), "stdout");
  EXPECT_STREQ(to_string(output_stream::stderr_stream), "stderr");
  EXPECT_STREQ(to_string(output_stream::stdin_stream), "stdin");
  EXPECT_STREQ(to_string(output_stream::raw), "raw");
}

} // namespace
} // namespace stevedore::docker
