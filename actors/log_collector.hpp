// The log collector of one running container as an actor of its own: a thin
// actor over log_follower (actors/log_follower.hpp), for owners that have no
// actor to host the follower in (tests, tools). A task actor hosts its
// follower itself, so that a running task costs one actor.
//
// The collector ends by itself once the container has ended and its output
// is on disk; an exit message ends it at once, cancelling its call and
// handing what it holds to the writer. It answers (status_atom) with an
// actor_status, and takes (died_atom) as the news that the container has
// exited (see log_collector_options::exit_notice_wait).
#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/log_follower.hpp"
#include "docker/client.hpp"

namespace stevedore {

caf::actor spawn_log_collector(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                               log_target target);
caf::actor spawn_log_collector(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                               log_target target, log_collector_options opts);

} // namespace stevedore
