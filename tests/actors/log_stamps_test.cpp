// Timestamp parsing and resume de-duplication, with input cut at every
// possible place.
#include "actors/log_stamps.hpp"

#include <gtest/gtest.h>

namespace stevedore {
namespace {

constexpr std::int64_t sec = 1000000000;

TEST(Rfc3339Nano, ParsesDockerStamps) {
  // 2024-01-02T03:04:05Z = 1704164645
  EXPECT_EQ(parse_rfc3339_nano("2024-01-02T03:04:05.123456789Z"), 1704164645 * sec + 123456789);
  EXPECT_EQ(parse_rfc3339_nano("2024-01-02T03:04:05Z"), 1704164645 * sec);
  EXPECT_EQ(parse_rfc3339_nano("2024-01-02T03:04:05.5Z"), 1704164645 * sec + 500000000);
  EXPECT_EQ(parse_rfc3339_nano("2024-01-02T04:04:05.000000001+01:00"), 1704164645 * sec + 1);
  EXPECT_EQ(parse_rfc3339_nano("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_nano("2000-02-29T00:00:00Z"), 951782400 * sec);
}

TEST(Rfc3339Nano, RefusesOtherText) {
  for (auto s : {"", "hello", "2024-01-02 03:04:05Z", "2024-01-02T03:04:05", "2024-13-02T03:04:05Z",
                 "2024-01-02T03:04:05.Z", "2024-01-02T03:04:05Zx", "2024-01-02T03:04:05+0100"})
    EXPECT_FALSE(parse_rfc3339_nano(s).has_value()) << s;
}

TEST(DockerSince, SecondsAndNineDigitFraction) {
  EXPECT_EQ(docker_since(1704164645 * sec + 123), "1704164645.000000123");
  EXPECT_EQ(docker_since(0), "0.000000000");
}

// Feeds `text` cut at `cut` (and again at cut2) into s; returns the output.
std::string feed_cut(stamped_stream& s, const std::string& text, std::size_t cut, std::size_t cut2) {
  std::string out;
  cut = std::min(cut, text.size());
  cut2 = std::min(std::max(cut2, cut), text.size());
  s.feed(std::string_view(text).substr(0, cut), out);
  s.feed(std::string_view(text).substr(cut, cut2 - cut), out);
  s.feed(std::string_view(text).substr(cut2), out);
  return out;
}

const std::string t1 = "2024-01-02T03:04:05.000000001Z ";
const std::string t2 = "2024-01-02T03:04:05.000000002Z ";
const std::string t3 = "2024-01-02T03:04:06.000000000Z ";

TEST(StampedStream, StripsStampsAtAnyCut) {
  const std::string text = t1 + "one\n" + t2 + "two\n" + t3 + "three\n";
  for (std::size_t a = 0; a <= text.size(); ++a) {
    for (std::size_t b = a; b <= text.size(); b += 7) {
      stamped_stream s;
      ASSERT_EQ(feed_cut(s, text, a, b), "one\ntwo\nthree\n") << a << "," << b;
      EXPECT_EQ(s.last_time(), parse_rfc3339_nano(t3.substr(0, t3.size() - 1)));
    }
  }
}

TEST(StampedStream, UnstampedLinesPassThrough) {
  stamped_stream s;
  std::string out;
  s.feed("plain line\nno-space-here\n", out);
  EXPECT_EQ(out, "plain line\nno-space-here\n");
  EXPECT_EQ(s.unstamped(), 2);
  EXPECT_FALSE(s.last_time().has_value());
}

TEST(StampedStream, UnfinishedLineWaitsForItsNewline) {
  stamped_stream s;
  std::string out;
  s.feed(t1 + "par", out);
  EXPECT_EQ(out, "");
  s.feed("tial\n", out);
  EXPECT_EQ(out, "partial\n");
}

TEST(StampedStream, FinishWritesTheLastLineWithoutNewline) {
  stamped_stream s;
  std::string out;
  s.feed(t1 + "end without newline", out);
  s.finish(out);
  EXPECT_EQ(out, "end without newline");
}

TEST(StampedStream, LongLineInDaemonSizedPiecesEachStamped) {
  std::string big(docker_message_size, 'x');
  stamped_stream s;
  std::string out;
  s.feed(t1 + big + t2 + "tail\n", out);
  EXPECT_EQ(out, big + "tail\n");
  EXPECT_EQ(s.messages_written(), 2);
  EXPECT_EQ(s.unstamped(), 0);
}

// The stream drops after `drop_at` bytes of the first connection; the second
// connection re-sends from `since` (here: the daemon re-sends everything at
// or after the last written time, which includes all lines sharing it).
TEST(StampedStream, ResumeNeitherLosesNorRepeatsAtAnyDropPoint) {
  const std::string first = t1 + "a\n" + t2 + "b1\n" + t2 + "b2\n" + t3 + "c\n";
  const std::string want = "a\nb1\nb2\nc\nd\n";
  for (std::size_t drop_at = 0; drop_at <= first.size(); ++drop_at) {
    stamped_stream s;
    std::string out;
    s.feed(std::string_view(first).substr(0, drop_at), out);
    auto last = s.last_time();
    s.resume();
    // What the daemon sends with since = last: every message at or after it.
    std::string again;
    const std::vector<std::pair<std::string, std::string>> msgs = {
      {t1, "a\n"}, {t2, "b1\n"}, {t2, "b2\n"}, {t3, "c\n"}, {t3, "d\n"}};
    for (auto& [t, body] : msgs) {
      auto ts = parse_rfc3339_nano(t.substr(0, t.size() - 1));
      if (!last || *ts >= *last)
        again += t + body;
    }
    for (std::size_t cut = 0; cut <= again.size(); cut += 5) {
      stamped_stream copy = s;
      std::string o = out;
      std::string tail;
      copy.feed(std::string_view(again).substr(0, cut), tail);
      copy.feed(std::string_view(again).substr(cut), tail);
      EXPECT_EQ(o + tail, want) << "drop at " << drop_at << ", cut at " << cut;
    }
  }
}

TEST(StampedStream, EqualTimesAfterResumeCountedExactly) {
  // Three lines share one nanosecond; two were written before the drop.
  stamped_stream s;
  std::string out;
  s.feed(t2 + "x\n" + t2 + "y\n" + t2.substr(0, 10), out);
  EXPECT_EQ(out, "x\ny\n");
  s.resume();
  s.feed(t2 + "x\n" + t2 + "y\n" + t2 + "z\n", out);
  EXPECT_EQ(out, "x\ny\nz\n");
  EXPECT_EQ(s.messages_dropped(), 2);
}

const std::string t0 = "2024-01-02T02:04:05.000000000Z "; // an hour before t1

TEST(StampedStream, AClockSteppedFarBackIsWrittenAndItsRepeatsDroppedWhileResuming) {
  stamped_stream s;
  std::string out;
  s.feed(t3 + "late\n", out);
  // A clock step back (an hour) in normal flow is still written.
  s.feed(t0 + "earlier clock\n", out);
  EXPECT_EQ(out, "late\nearlier clock\n");
  s.resume();
  s.feed(t0 + "earlier clock\n" + t3 + "late\n" + t3 + "new\n", out);
  EXPECT_EQ(out, "late\nearlier clock\nnew\n");
}

// dockerd following its own json-file log across a rotation sends recent
// lines again, in the same stream: they are dropped, equal times counted.
TEST(StampedStream, RecentLinesSentAgainInTheSameStreamAreDropped) {
  stamped_stream s;
  std::string out;
  s.feed(t1 + "a\n" + t2 + "b\n" + t3 + "c\n" + t3 + "d\n", out);
  s.feed(t2 + "b\n" + t3 + "c\n" + t3 + "d\n" + t3 + "e\n", out);
  EXPECT_EQ(out, "a\nb\nc\nd\ne\n");
  EXPECT_EQ(s.messages_dropped(), 3);
  EXPECT_EQ(s.repeats_seen(), 1);
}

// The other stream of the repeat (stderr while stdout saw it): its message at
// the last written time is dropped once, a new one kept.
TEST(StampedStream, TheOtherStreamDropsItsRepeatWhenToldOfIt) {
  stamped_stream s;
  std::string out;
  s.feed(t2 + "err\n", out);
  s.repeating();
  s.feed(t2 + "err\n" + t3 + "new\n", out);
  EXPECT_EQ(out, "err\nnew\n");
}

// The position kept in the state store: time, count and the files' place per
// stream; "-" for a stream placed but with nothing written; the older form
// without a place still read; damaged parts left out.
TEST(LogPosition, RoundTripsWithAndWithoutPlaceAndTime) {
  log_position p;
  p.time[0] = 1700000000123456789;
  p.count[0] = 2;
  p.index[0] = 3;
  p.size[0] = 4096;
  p.index[1] = 0;
  p.size[1] = 0;
  auto text = format_log_position(p);
  EXPECT_EQ(text, "o:1700000000123456789:2:3:4096;e:-:0:0:0");
  auto q = parse_log_position(text);
  EXPECT_EQ(q.time[0], p.time[0]);
  EXPECT_EQ(q.count[0], 2);
  EXPECT_EQ(q.index[0], 3);
  EXPECT_EQ(q.size[0], 4096);
  EXPECT_FALSE(q.time[1]);
  EXPECT_EQ(q.index[1], 0);
  EXPECT_EQ(q.size[1], 0);

  auto old = parse_log_position("o:17:1;e:18:2");
  EXPECT_EQ(old.time[0], 17);
  EXPECT_EQ(old.time[1], 18);
  EXPECT_EQ(old.count[1], 2);
  EXPECT_EQ(old.index[0], -1);
  EXPECT_EQ(format_log_position(old), "o:17:1;e:18:2");

  auto bad = parse_log_position("o:x:1;e:-:1;o:5:1:2;e:9:1:-3:4;zz");
  EXPECT_FALSE(bad.time[0]);
  EXPECT_FALSE(bad.time[1]);
  EXPECT_EQ(bad.index[0], -1);
  EXPECT_EQ(bad.index[1], -1);
  EXPECT_EQ(format_log_position(bad), "");
}

} // namespace
} // namespace stevedore
