// The inspection counters every actor keeps, in one place: how many messages
// it handled, the kind of the last one and when. An actor notes each message
// it handles and fills the common part of its status from here; the
// inspection console reads exactly this (nothing reaches into an actor from
// outside: CAF's mailbox is the actor's own).
#pragma once

#include <cstdint>

#include "actors/clock.hpp"
#include "messages/node.hpp"

namespace stevedore {

struct activity {
  std::int64_t messages = 0;     // handled so far
  const char* last = "";         // kind of the last one: a string literal
  std::int64_t last_at_ms = 0;   // when (Unix ms)

  void note(const char* what) noexcept {
    ++messages;
    last = what;
    last_at_ms = now_ms();
  }

  // An actor_status with the counters and the actor's kind, name and state word.
  actor_status status(const char* kind, std::string name, std::string state) const {
    actor_status st;
    st.kind = kind;
    st.name = std::move(name);
    st.state = std::move(state);
    st.messages = messages;
    st.last_message = last;
    st.last_at_ms = last_at_ms;
    return st;
  }
};

} // namespace stevedore
