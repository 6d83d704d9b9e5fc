#include "actors/log_collector.hpp"

#include <caf/all.hpp>

#include "actors/atoms.hpp"

namespace stevedore {

namespace {

struct log_collector_state {
  static inline const char* name = "log_collector";

  std::unique_ptr<log_follower> follower; // its destructor hands what is held to the writer
};

using self_ptr = caf::stateful_actor<log_collector_state>*;

caf::behavior log_collector(self_ptr self, std::shared_ptr<docker::client> docker,
                            log_target target, log_collector_options opts) {
  auto svc = std::make_shared<log_service>(log_service{std::move(docker), std::move(opts), {}});
  auto& f = self->state.follower;
  f = std::make_unique<log_follower>(caf::actor_cast<caf::weak_actor_ptr>(self), std::move(svc),
                                     std::move(target), [self] { self->quit(); });
  f->start();
  caf::message_handler own{
    [self](died_atom) {
      auto& f = *self->state.follower;
      f.note("exited");
      f.container_exited();
    },
    [self](status_atom) {
      auto& f = *self->state.follower;
      f.note("status");
      return f.status();
    },
  };
  return own.or_else(log_follower::handlers([self] { return self->state.follower.get(); }));
}

} // namespace

caf::actor spawn_log_collector(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                               log_target target) {
  return spawn_log_collector(sys, std::move(client), std::move(target), log_collector_options{});
}

caf::actor spawn_log_collector(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                               log_target target, log_collector_options opts) {
  return sys.spawn(log_collector, std::move(client), std::move(target), std::move(opts));
}

} // namespace stevedore
