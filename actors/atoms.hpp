// The atoms of stevedore's actor messages (CAF 0.17: at most 10 characters).
// CAF predefines get_atom, put_atom, ok_atom, tick_atom, subscribe_atom,
// unsubscribe_atom, update_atom, delete_atom, ... in namespace caf; these add
// stevedore's own verbs.
#pragma once

#include <caf/atom.hpp>

namespace stevedore {

using start_atom = caf::atom_constant<caf::atom("start")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using signal_atom = caf::atom_constant<caf::atom("signal")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using event_atom = caf::atom_constant<caf::atom("event")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using unwatch_atom = caf::atom_constant<caf::atom("unwatch")>;
using acquire_atom = caf::atom_constant<caf::atom("acquire")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using attrs_atom = caf::atom_constant<caf::atom("attrs")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using died_atom = caf::atom_constant<caf::atom("died")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using exec_atom = caf::atom_constant<caf::atom("exec")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using images_atom = caf::atom_constant<caf::atom("images")>;
using trace_atom = caf::atom_constant<caf::atom("trace")>;
using events_atom = caf::atom_constant<caf::atom("events")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

} // namespace stevedore
