// The inspection counters every actor keeps, in one place: how many messages
// it handled, the kind of the last one and when, its rate and age, and its
// message trace when someone asked for one. An actor notes each message it
// handles and fills the common part of its status from here; the inspection
// console reads exactly this (nothing reaches into an actor from outside:
// CAF's mailbox is the actor's own, so its length is read by the actor itself
// as it answers).
//
// The trace is off by default and then costs one null test per message: it
// exists only between trace_on() and its end (a count of messages or a
// time), and its record is dropped once read after it ended.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "actors/atoms.hpp"
#include "actors/clock.hpp"
#include "messages/result.hpp"
#include "messages/node.hpp"

namespace stevedore {

// The most a trace may hold and last: a trace is a debugging aid, not a log.
constexpr std::int64_t max_trace_count = 10000;
constexpr std::int64_t max_trace_ms = 10 * 60 * 1000;

struct activity {
  std::int64_t messages = 0;     // handled so far
  const char* last = "";         // kind of the last one: a string literal
  std::int64_t last_at_ms = 0;   // when (Unix ms)
  std::int64_t born_ms = now_ms();
  std::int64_t window_at_ms = 0; // start of the current rate window
  std::int64_t window_count = 0; // messages at its start
  float rate = 0;                // per second, over the last full window
  std::unique_ptr<actor_trace> trace; // null: not tracing (the common case)

  void note(const char* what) {
    ++messages;
    last = what;
    last_at_ms = now_ms();
    if (last_at_ms - window_at_ms >= 1000) {
      rate = window_at_ms == 0 ? 0.0f
                               : static_cast<float>(messages - window_count) * 1000.0f /
                                   static_cast<float>(last_at_ms - window_at_ms);
      window_at_ms = last_at_ms;
      window_count = messages;
    }
    if (trace)
      record("in", what, last_at_ms);
  }

  // A message this actor sent; recorded only while tracing.
  void sent(const char* what) {
    if (trace)
      record("out", what, now_ms());
  }

  // Starts (or restarts) a trace of at most `count` messages for at most
  // `for_ms`; count 0 stops it. Out-of-range values are clamped.
  void trace_on(std::int64_t count, std::int64_t for_ms) {
    if (count <= 0) {
      if (trace)
        trace->on = false;
      return;
    }
    trace = std::make_unique<actor_trace>();
    trace->on = true;
    trace->left = std::min(count, max_trace_count);
    trace->until_ms = now_ms() + std::clamp<std::int64_t>(for_ms, 1, max_trace_ms);
  }

  // What the trace recorded; a trace that has ended is dropped once read.
  actor_trace trace_report() {
    if (!trace)
      return actor_trace{};
    if (trace->on && now_ms() >= trace->until_ms)
      trace->on = false;
    actor_trace out = *trace;
    if (!trace->on)
      trace.reset();
    return out;
  }

  // The messages per second: the last window's rate while messages come,
  // fading once they stop (a silent actor's rate falls to 0).
  double rate_now(std::int64_t now) const {
    if (window_at_ms == 0)
      return 0;
    const std::int64_t since = now - window_at_ms;
    if (since < 2000)
      return rate;
    return static_cast<double>(messages - window_count) * 1000.0 / static_cast<double>(since);
  }

  // An actor_status with the counters and the actor's kind, name and state
  // word, its id and mailbox length (read by `self`, the actor itself).
  template <class Self>
  actor_status status(Self* self, const char* kind, std::string name, std::string state) const {
    actor_status st;
    st.kind = kind;
    st.name = std::move(name);
    st.state = std::move(state);
    st.messages = messages;
    st.last_message = last;
    st.last_at_ms = last_at_ms;
    st.id = self->id();
    st.mailbox = static_cast<std::int64_t>(self->mailbox().size());
    st.rate = rate_now(now_ms());
    st.born_ms = born_ms;
    return st;
  }

private:
  void record(const char* dir, const char* what, std::int64_t at) {
    if (!trace->on)
      return;
    if (at >= trace->until_ms || trace->left <= 0) {
      trace->on = false;
      return;
    }
    trace->entries.push_back(trace_entry{at, dir, what});
    if (--trace->left == 0)
      trace->on = false;
  }
};

// The handlers of trace_messages (protocol.hpp) for an actor whose state
// keeps its activity as `seen`.
template <class Self>
auto trace_start_handler(Self* self) {
  return [self](trace_atom, std::int64_t count, std::int64_t for_ms) {
    self->state.seen.trace_on(count, for_ms);
    return unit{};
  };
}
template <class Self>
auto trace_read_handler(Self* self) {
  return [self](trace_atom) { return self->state.seen.trace_report(); };
}

} // namespace stevedore
