// The state store actor (see state_store.hpp): a batch of writes, committed
// on a short timer or when it is full, and the replies owed after a commit.
#include "actors/state_store.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/activity.hpp"
#include "actors/clock.hpp"

namespace stevedore {

namespace {

struct store_state {
  static inline const char* name = "state_store";

  std::unique_ptr<state_db> db;
  state_store_options opts;
  state_batch batch;                                   // written at the next commit
  std::vector<caf::typed_response_promise<unit>> owed; // answered after it
  bool tick_armed = false;
  bool commit_queued = false; // a commit message to self is in the mailbox
  std::int64_t commits = 0;
  std::int64_t writes = 0;
  std::int64_t failures = 0;
  std::string last_error;
  activity seen;

  // What is held goes to disk even when the actor ends without a flush.
  ~store_state() {
    if (db && !batch.empty())
      if (auto ok = db->write(batch); !ok)
        spdlog::error("state store: {}", to_string(ok.error()));
  }
};

using self_ptr = state_store_actor::stateful_pointer<store_state>;

void commit(self_ptr self) {
  auto& s = self->state;
  if (!s.batch.empty()) {
    auto n = s.batch.size();
    if (auto ok = s.db->write(s.batch); !ok) {
      ++s.failures;
      if (s.last_error != ok.error().message)
        spdlog::error("state store: {}", to_string(ok.error()));
      s.last_error = ok.error().message;
      return; // kept for the next commit; the owed replies wait for it
    }
    s.last_error.clear();
    ++s.commits;
    s.writes += static_cast<std::int64_t>(n);
    s.batch = state_batch{};
  }
  for (auto& rp : s.owed)
    rp.deliver(unit{});
  s.owed.clear();
}

void arm(self_ptr self) {
  auto& s = self->state;
  if (s.batch.size() >= s.opts.max_batch) {
    commit(self);
    return;
  }
  if (s.tick_armed)
    return;
  s.tick_armed = true;
  self->delayed_send(self, s.opts.flush_interval, caf::tick_atom::value);
}

void put(self_ptr self, task_record& r) {
  auto& s = self->state;
  if (is_terminal(r.state)) // an ended task needs no recovery
    s.batch.tasks.insert_or_assign(r.task_id, std::nullopt);
  else
    s.batch.put(std::move(r));
}

actor_status status_of(self_ptr self) {
  const auto& s = self->state;
  auto st = s.seen.status(self, "state_store", s.db->path(), s.last_error.empty() ? "ok" : "failing");
  auto& d = st.details;
  d["schema"] = std::to_string(s.db->schema_version());
  d["commits"] = std::to_string(s.commits);
  d["writes"] = std::to_string(s.writes);
  d["failures"] = std::to_string(s.failures);
  d["pending"] = std::to_string(s.batch.size());
  if (!s.last_error.empty())
    d["last_error"] = s.last_error;
  return st;
}

state_store_actor::behavior_type store(self_ptr self, std::unique_ptr<state_db> db,
                                       state_store_options opts) {
  self->state.db = std::move(db);
  self->state.opts = opts;
  return {
    [self](store_atom, task_record& r) {
      self->state.seen.note("task");
      put(self, r);
      arm(self);
    },
    [self](store_atom, task_record& r, sync_atom) -> caf::result<unit> {
      auto& s = self->state;
      s.seen.note("task_sync");
      put(self, r);
      auto rp = self->make_response_promise<unit>();
      s.owed.push_back(rp);
      // A group commit: the caller waits (a create waits for its intent),
      // so the commit comes once the writes already in the mailbox have
      // joined the batch, not after the flush interval. Under load the
      // mailbox is long and the batch large; when idle, the wait is short.
      if (!s.commit_queued) {
        s.commit_queued = true;
        self->send(self, commit_atom::value);
      }
      return rp;
    },
    [self](commit_atom) {
      self->state.commit_queued = false;
      commit(self);
      if (!self->state.batch.empty() || !self->state.owed.empty())
        arm(self); // a failed commit is tried again
    },
    [self](store_atom, const image_cleanup_record& c) {
      self->state.seen.note("cleanup");
      self->state.batch.cleanups[c.image_id] = c.deadline_ms;
      arm(self);
    },
    [self](flush_atom) -> caf::result<unit> {
      self->state.seen.note("flush");
      auto rp = self->make_response_promise<unit>();
      self->state.owed.push_back(rp);
      commit(self);
      return rp;
    },
    [self](status_atom) {
      self->state.seen.note("status");
      return status_of(self);
    },
    [self](caf::tick_atom) {
      self->state.tick_armed = false;
      commit(self);
      if (!self->state.batch.empty() || !self->state.owed.empty())
        arm(self); // a failed commit is tried again
    },
  };
}

} // namespace

state_store_actor spawn_state_store(caf::actor_system& sys, std::unique_ptr<state_db> db,
                                    state_store_options opts) {
  return sys.spawn(store, std::move(db), opts);
}

} // namespace stevedore
