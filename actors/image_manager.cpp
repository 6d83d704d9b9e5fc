// The image manager actor. It owns every image lease of the node and the
// pulls in flight. State diagram of one reference's job:
//
//   acquire --(pull_if_missing, digest)--> checking --present--> granted
//      |                                       | absent
//      +--(always_pull, load_from_tar)----> queued --slot--> auth --> pulling --> inspecting --> granted
//                                                            \--> loading ------/
//   any step --error / deadline--> every waiter fails (the job ends)
//
// and of one image: present (holders) --last release--> cleanup scheduled
// --delay--> removing --> gone;  a new lease while scheduled: present again.
#include "actors/activity.hpp"
#include "actors/image_manager.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "docker/credential_helper.hpp"
#include "docker/registry_auth.hpp"
#include "policy/image_ref.hpp"

namespace stevedore {

namespace {

using insp_atom = caf::atom_constant<caf::atom("im_insp")>;
using auth_atom = caf::atom_constant<caf::atom("im_auth")>;
using prog_atom = caf::atom_constant<caf::atom("im_prog")>;
using pulled_atom = caf::atom_constant<caf::atom("im_pulled")>;
using loaded_atom = caf::atom_constant<caf::atom("im_loaded")>;
using removed_atom = caf::atom_constant<caf::atom("im_removed")>;
using clean_atom = caf::atom_constant<caf::atom("im_clean")>;
using deadline_atom = caf::atom_constant<caf::atom("im_deadln")>;

// The public interface plus what the manager sends itself: client callbacks
// come back as these messages, with error_info.kind == ok on success.
using impl_actor = image_manager_actor::extend<
  caf::reacts_to<insp_atom, std::uint64_t, error_info, image_info>,
  caf::reacts_to<auth_atom, std::uint64_t, error_info, std::string /*registry auth*/, std::string /*origin*/>,
  caf::reacts_to<prog_atom, std::uint64_t, pull_progress>,
  caf::reacts_to<pulled_atom, std::uint64_t, error_info, pull_summary>,
  caf::reacts_to<loaded_atom, std::uint64_t, error_info, std::vector<std::string>>,
  caf::reacts_to<removed_atom, std::string, error_info, bool /*forced*/>,
  caf::reacts_to<clean_atom, std::string, std::uint64_t>,
  caf::reacts_to<deadline_atom, std::uint64_t>>;

// One task waiting for a job.
struct waiter {
  std::string holder;                                // the task id the lease goes to
  caf::strong_actor_ptr who;                         // hears progress; monitored
  caf::typed_response_promise<image_lease> promise;
};

// The single pull (or load) of one reference, however many tasks wait on it.
struct job {
  std::uint64_t id = 0;
  image_request request;               // the first acquire's: policy, auth, archive, deadline
  std::string phase;                   // checking, queued, auth, pulling, loading, inspecting
  std::vector<waiter> waiters;
  docker::call_handle call;            // the pull or load on the wire
  bool holds_slot = false;             // counted against max_concurrent_pulls
  bool pulled = false;                 // pulled or loaded (vs found present)
  bool credentials = false;            // the pull in flight carries credentials
  bool anonymous_retry = false;        // auth_soft_fail already used
  bool pulled_again = false;           // the image was gone by the inspect after its pull once
  std::vector<std::string> warnings;
  std::int64_t started_ms = 0;
  std::int64_t progress = 0;           // progress messages seen
};

// What recovery needs about one image: its id, references, holders, and the
// pending removal's deadline.
struct image_entry {
  std::string image_id;
  std::set<std::string> references;
  // Task ids holding a lease, each with the actor that took it (0: none,
  // the lease outlives any actor). The one record of a lease.
  std::map<std::string, caf::actor_id> holders;
  std::int64_t cleanup_at_ms = 0;      // 0: no removal scheduled
  std::uint64_t cleanup_gen = 0;       // bumped by every schedule/cancel: stale timers see it
  std::string state = "present";       // present, removing
};

struct image_manager_state {
  static inline const char* name = "image_manager";
  image_manager_config cfg;
  std::shared_ptr<docker::client> docker;
  std::map<std::string, job> jobs;                    // by reference
  std::map<std::uint64_t, std::string> job_refs;      // job id -> reference
  std::deque<std::string> queue;                      // references waiting for a pull slot
  std::size_t active = 0;                             // slots in use
  std::map<std::string, image_entry> images;          // by image id
  // The leases an actor took, released when it dies: an index into the
  // images' holders (nodes of a std::map stay put), so that a lease's
  // strings are stored once, in its image's holders.
  struct lease_ref {
    image_entry* image;
    std::map<std::string, caf::actor_id>::iterator holder;
  };
  std::unordered_multimap<caf::actor_id, lease_ref> leases_of;
  std::uint64_t next_job = 1;
  // inspection
  activity seen;                     // inspection (activity.hpp)
  std::int64_t pulls = 0;
  std::int64_t loads = 0;
  std::int64_t failures = 0;
  std::int64_t removals = 0;
};

using self_ptr = impl_actor::stateful_pointer<image_manager_state>;

// Durability seam (DESIGN.md): every call that changes the daemon's images
// passes here first. A durable store records the intent before the call and
// confirms it from the result handlers.
void record_intent(self_ptr, const char* action, const std::string& object) {
  spdlog::debug("image manager: {} {}", action, object);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// What a pull asks the daemon for: (fromImage, tag or digest). fromImage is
// the request's reference without its ":tag" / "@digest", so that the pulled
// image is found again by that reference, the key of every lease.
std::pair<std::string, std::string> pull_names(const image_request& req) {
  const auto& ref = req.parsed;
  std::string_view name = policy::strip_image_scheme(req.reference);
  if (!ref.digest.empty() && ends_with(name, "@" + ref.digest))
    name.remove_suffix(ref.digest.size() + 1);
  if (!ref.tag.empty() && ends_with(name, ":" + ref.tag))
    name.remove_suffix(ref.tag.size() + 1);
  return {std::string(name), ref.digest.empty() ? ref.tag : ref.digest};
}

job* job_by_id(self_ptr self, std::uint64_t id) {
  auto r = self->state.job_refs.find(id);
  if (r == self->state.job_refs.end())
    return nullptr;
  auto j = self->state.jobs.find(r->second);
  return j == self->state.jobs.end() || j->second.id != id ? nullptr : &j->second;
}

void pump(self_ptr self);
void start_pull(self_ptr self, job& j, std::string registry_auth, const std::string& origin);

void end_job(self_ptr self, job& j) {
  auto& s = self->state;
  if (j.holds_slot) {
    j.holds_slot = false;
    --s.active;
  }
  s.queue.erase(std::remove(s.queue.begin(), s.queue.end(), j.request.reference), s.queue.end());
  s.job_refs.erase(j.id);
  s.jobs.erase(j.request.reference);  // j is gone after this
  pump(self);
}

void fail_job(self_ptr self, job& j, error_info e) {
  ++self->state.failures;
  spdlog::warn("image manager: {}", to_string(e));
  auto err = to_caf(e);
  for (auto& w : j.waiters)
    w.promise.deliver(err);
  end_job(self, j);
}

// A pending removal's deadline in the state store (0: none pending).
void note_cleanup(self_ptr self, const std::string& image_id, std::int64_t deadline_ms) {
  if (const auto& store = self->state.cfg.store)
    self->send(store, store_atom::value, image_cleanup_record{image_id, deadline_ms});
}

void arm_cleanup(self_ptr self, image_entry& img, std::int64_t deadline_ms) {
  ++img.cleanup_gen;
  img.cleanup_at_ms = deadline_ms;
  note_cleanup(self, img.image_id, deadline_ms);
  auto left = std::max<std::int64_t>(0, deadline_ms - now_ms());
  self->delayed_send(self, std::chrono::milliseconds(left), clean_atom::value, img.image_id,
                     img.cleanup_gen);
}

void schedule_cleanup(self_ptr self, image_entry& img) {
  auto& cfg = self->state.cfg;
  if (!cfg.cleanup_image || !img.holders.empty())
    return;
  arm_cleanup(self, img, now_ms() + cfg.cleanup_delay.count());
}

// A supervisor started again on its state: its tasks' leases (no actor holds
// them until a task takes them again or releases them) and the removals
// that were pending, with the time they had left.
void rebuild(self_ptr self) {
  auto& s = self->state;
  for (const auto& [holder, image_id] : s.cfg.recovered_leases) {
    auto& img = s.images[image_id];
    img.image_id = image_id;
    img.holders.emplace(holder, caf::invalid_actor_id);
  }
  for (const auto& c : s.cfg.recovered_cleanups) {
    auto& img = s.images[c.image_id];
    img.image_id = c.image_id;
    if (!s.cfg.cleanup_image || !img.holders.empty())
      note_cleanup(self, c.image_id, 0); // leased again, or no cleanup any more
    else
      arm_cleanup(self, img, c.deadline_ms);
  }
  if (!s.cfg.recovered_leases.empty() || !s.cfg.recovered_cleanups.empty())
    spdlog::info("image manager: {} leases and {} pending removals recovered",
                 s.cfg.recovered_leases.size(), s.cfg.recovered_cleanups.size());
  s.cfg.recovered_leases.clear();
  s.cfg.recovered_cleanups.clear();
}

// Takes the lease's entry out of its actor's index (its death then has
// nothing of it to release; the monitor stays).
void unindex(self_ptr self, image_entry& img, std::map<std::string, caf::actor_id>::iterator h) {
  auto& s = self->state;
  if (h->second == caf::invalid_actor_id)
    return;
  auto [first, last] = s.leases_of.equal_range(h->second);
  for (auto l = first; l != last; ++l)
    if (l->second.image == &img && l->second.holder == h) {
      s.leases_of.erase(l);
      return;
    }
}

void add_lease(self_ptr self, image_entry& img, const std::string& holder, const caf::strong_actor_ptr& who) {
  auto& s = self->state;
  ++img.cleanup_gen;  // cancels a scheduled removal
  if (img.cleanup_at_ms != 0)
    note_cleanup(self, img.image_id, 0);
  img.cleanup_at_ms = 0;
  auto actor = who ? who->id() : caf::invalid_actor_id;
  auto [h, added] = img.holders.emplace(holder, actor);
  if (!added) {
    if (h->second == actor)
      return;
    unindex(self, img, h); // the same holder again, through another actor: the latest counts
    h->second = actor;
  }
  if (actor != caf::invalid_actor_id)
    s.leases_of.emplace(actor, image_manager_state::lease_ref{&img, h});
}

void release_lease(self_ptr self, const std::string& holder, const std::string& image_id) {
  auto& s = self->state;
  auto it = s.images.find(image_id);
  if (it == s.images.end())
    return;
  auto& img = it->second;
  auto h = img.holders.find(holder);
  if (h == img.holders.end())
    return;
  unindex(self, img, h);
  img.holders.erase(h);
  if (img.holders.empty())
    schedule_cleanup(self, img);
}

void grant(self_ptr self, job& j, image_info info) {
  auto& img = self->state.images[info.id];
  img.image_id = info.id;
  img.references.insert(j.request.reference);
  if (img.state == "removing")
    spdlog::warn("image manager: {} leased while its removal is in flight", j.request.reference);
  for (auto& w : j.waiters) {
    add_lease(self, img, w.holder, w.who);
    w.promise.deliver(image_lease{j.request.reference, info.id, j.pulled, j.warnings, info});
  }
  if (j.pulled)
    spdlog::info("image manager: {} ready as {} ({} waiters, {} progress messages)", j.request.reference,
                 info.id, j.waiters.size(), j.progress);
  if (img.holders.empty())  // every waiter died meanwhile
    schedule_cleanup(self, img);
  end_job(self, j);
}

void inspect_image(self_ptr self, job& j, std::string phase) {
  j.phase = std::move(phase);
  auto id = j.id;
  auto me = caf::actor_cast<impl_actor>(self);
  self->state.docker->image_inspect(j.request.reference, [me, id](stevedore::result<image_info> r) {
    if (r)
      caf::anon_send(me, insp_atom::value, id, error_info{}, std::move(*r));
    else
      caf::anon_send(me, insp_atom::value, id, std::move(r).error(), image_info{});
  });
}

void arm_deadline(self_ptr self, job& j) {
  if (j.request.pull_timeout_ms > 0)
    self->delayed_send(self, std::chrono::milliseconds(j.request.pull_timeout_ms), deadline_atom::value, j.id);
}

void start_load(self_ptr self, job& j) {
  j.phase = "loading";
  ++self->state.loads;
  record_intent(self, "load", j.request.archive);
  auto id = j.id;
  auto me = caf::actor_cast<impl_actor>(self);
  j.call = self->state.docker->image_load(j.request.archive,
                                          [me, id](stevedore::result<std::vector<std::string>> r) {
    if (r)
      caf::anon_send(me, loaded_atom::value, id, error_info{}, std::move(*r));
    else
      caf::anon_send(me, loaded_atom::value, id, std::move(r).error(), std::vector<std::string>{});
  });
}

// The auth chain: inline when nothing blocking is involved, else on a
// blocking worker actor (it reads a file, may run a helper).
void resolve_auth(self_ptr self, job& j) {
  j.phase = "auth";
  auto& cfg = self->state.cfg;
  auth_chain_input in{j.request.parsed, j.request.has_auth, j.request.auth, cfg.auth_config,
                      cfg.auth_helper};
  if (in.has_auth || (in.config_file.empty() && in.helper.empty())) {
    auto r = resolve_registry_auth(in, cfg.run_helper);  // no file, no helper: pure
    start_pull(self, j, r ? r->registry_auth : std::string{}, r ? r->origin : "anonymous");
    return;
  }
  auto me = caf::actor_cast<impl_actor>(self);
  auto id = j.id;
  auto run_helper = cfg.run_helper;
  // Arguments, not captures: see the exec spawn in actors/stevedore.cpp.
  auto resolve = [](caf::blocking_actor*, impl_actor me, decltype(id) id, auth_chain_input in,
                    decltype(run_helper) run_helper) {
    auto r = resolve_registry_auth(in, run_helper);
    if (r)
      caf::anon_send(me, auth_atom::value, id, error_info{}, std::move(r->registry_auth), std::move(r->origin));
    else
      caf::anon_send(me, auth_atom::value, id, std::move(r).error(), std::string{}, std::string{});
  };
  self->home_system().spawn(resolve, std::move(me), std::move(id), std::move(in), std::move(run_helper));
}

void start_pull(self_ptr self, job& j, std::string registry_auth, const std::string& origin) {
  j.phase = "pulling";
  j.credentials = !registry_auth.empty();
  ++self->state.pulls;
  auto [repo, tag] = pull_names(j.request);
  docker::pull_request req{repo, tag, std::move(registry_auth), self->state.cfg.pull_activity_timeout};
  spdlog::info("image manager: pulling {} (credentials: {})", j.request.reference, origin);
  record_intent(self, "pull", j.request.reference);
  auto id = j.id;
  auto me = caf::actor_cast<impl_actor>(self);
  j.call = self->state.docker->image_pull(
    std::move(req), [me, id](const pull_progress& p) { caf::anon_send(me, prog_atom::value, id, p); },
    [me, id](stevedore::result<pull_summary> r) {
      if (r)
        caf::anon_send(me, pulled_atom::value, id, error_info{}, std::move(*r));
      else
        caf::anon_send(me, pulled_atom::value, id, std::move(r).error(), pull_summary{});
    });
}

void start_job(self_ptr self, job& j) {
  j.started_ms = now_ms();
  arm_deadline(self, j);
  if (j.request.pull == pull_policy::load_from_tar)
    start_load(self, j);
  else
    resolve_auth(self, j);
}

void pump(self_ptr self) {
  auto& s = self->state;
  auto cap = std::max<std::size_t>(1, s.cfg.max_concurrent_pulls);
  while (s.active < cap && !s.queue.empty()) {
    auto ref = s.queue.front();
    s.queue.pop_front();
    auto it = s.jobs.find(ref);
    if (it == s.jobs.end())
      continue;
    ++s.active;
    it->second.holds_slot = true;
    start_job(self, it->second);
  }
}

void enqueue(self_ptr self, job& j) {
  j.phase = "queued";
  self->state.queue.push_back(j.request.reference);
  pump(self);
}

error_info pull_error(const job& j, const error_info& cause, const std::string& step) {
  auto what = (j.request.pull == pull_policy::load_from_tar ? "load " : "pull ") + j.request.reference;
  std::string why = step.empty() ? cause.message : step + ": " + cause.message;
  // Say which pull was refused: a soft-failed one went on without credentials.
  if (cause.kind == errc::unauthorized && j.credentials)
    why = "registry refused the credentials: " + cause.message;
  else if (cause.kind == errc::unauthorized && j.anonymous_retry)
    why = "registry refused the anonymous pull (auth_soft_fail) it fell back to: " + cause.message;
  else if (cause.kind == errc::unauthorized)
    why = "registry refused an anonymous pull (no credentials for " + docker::registry_key(j.request.parsed) +
          "): " + cause.message;
  return make_error(cause.kind, std::move(what), std::move(why), cause.status);
}

// -- handlers -------------------------------------------------------------------

caf::typed_response_promise<image_lease> on_acquire(self_ptr self, image_request& req) {
  auto& s = self->state;
  // Before the promise: making it takes the sender out of the current message.
  auto who = self->current_sender();
  auto promise = self->make_response_promise<image_lease>();
  if (who)
    self->monitor(caf::actor_cast<caf::actor>(who));
  if (req.reference.empty()) {
    promise.deliver(to_caf(make_error(errc::invalid_input, "acquire for " + req.holder, "no image reference")));
    return promise;
  }
  auto it = s.jobs.find(req.reference);
  if (it != s.jobs.end()) {
    it->second.waiters.push_back(waiter{req.holder, who, promise});
    return promise;
  }
  // Parsed by the planner; a request without it (written by hand) is parsed
  // here, once: everything after reads the struct.
  if (req.parsed.empty()) {
    auto parsed = policy::parse_image_ref(req.reference);
    if (!parsed) {
      auto what = (req.pull == pull_policy::load_from_tar ? "load " : "pull ") + req.reference;
      promise.deliver(to_caf(make_error(errc::invalid_input, what, parsed.error().message)));
      return promise;
    }
    req.parsed = std::move(*parsed);
  }
  job j;
  j.id = s.next_job++;
  j.request = req;
  j.waiters.push_back(waiter{req.holder, who, promise});
  s.job_refs[j.id] = req.reference;
  auto& jr = s.jobs.emplace(req.reference, std::move(j)).first->second;
  if (req.pull == pull_policy::pull_if_missing || req.pull == pull_policy::digest)
    inspect_image(self, jr, "checking");
  else
    enqueue(self, jr);
  return promise;
}

void on_inspected(self_ptr self, std::uint64_t id, error_info& e, image_info& info) {
  auto* j = job_by_id(self, id);
  if (!j)
    return;
  if (e.kind == errc::ok)
    return grant(self, *j, std::move(info));
  if (j->phase == "checking" && e.kind == errc::not_found)
    return enqueue(self, *j);
  if (j->phase == "inspecting" && e.kind == errc::not_found && j->request.pull != pull_policy::load_from_tar &&
      !j->pulled_again) {
    // Removed between the pull's end and this inspect (by hand, or by
    // another node's cleanup on a shared daemon): pulled once more.
    j->pulled_again = true;
    spdlog::warn("image manager: {} was gone right after its pull; pulling it again", j->request.reference);
    if (j->holds_slot) {
      j->holds_slot = false;
      --self->state.active;
    }
    return enqueue(self, *j);
  }
  fail_job(self, *j, pull_error(*j, e, j->phase == "checking" ? "looking for a local image"
                                                               : "inspecting the new image"));
}

void on_auth(self_ptr self, std::uint64_t id, error_info& e, std::string& registry_auth, std::string& origin) {
  auto* j = job_by_id(self, id);
  if (!j || j->phase != "auth")
    return;
  if (e.kind == errc::ok)
    return start_pull(self, *j, std::move(registry_auth), origin);
  if (j->request.auth_soft_fail) {
    j->warnings.push_back("pull " + j->request.reference + ": no credentials (" + to_string(e) +
                          "); pulling anonymously (auth_soft_fail)");
    spdlog::warn("image manager: {}", j->warnings.back());
    j->anonymous_retry = true;
    return start_pull(self, *j, {}, "anonymous (auth_soft_fail)");
  }
  fail_job(self, *j, pull_error(*j, e, "looking up credentials"));
}

void on_pulled(self_ptr self, std::uint64_t id, error_info& e, pull_summary&) {
  auto* j = job_by_id(self, id);
  if (!j || j->phase != "pulling")
    return;
  j->call = {};
  if (e.kind == errc::ok) {
    j->pulled = true;
    return inspect_image(self, *j, "inspecting");
  }
  if (e.kind == errc::unauthorized && j->credentials && j->request.auth_soft_fail && !j->anonymous_retry) {
    j->anonymous_retry = true;
    j->warnings.push_back("pull " + j->request.reference +
                          ": registry refused the credentials; pulling anonymously (auth_soft_fail)");
    spdlog::warn("image manager: {}", j->warnings.back());
    return start_pull(self, *j, {}, "anonymous (auth_soft_fail)");
  }
  if (e.kind == errc::timeout)
    e.message += " (docker.pull_activity_timeout " + std::to_string(self->state.cfg.pull_activity_timeout.count()) +
                 " ms)";
  fail_job(self, *j, pull_error(*j, e, {}));
}

void on_loaded(self_ptr self, std::uint64_t id, error_info& e, std::vector<std::string>& refs) {
  auto* j = job_by_id(self, id);
  if (!j || j->phase != "loading")
    return;
  j->call = {};
  if (e.kind != errc::ok)
    return fail_job(self, *j, pull_error(*j, e, "loading " + j->request.archive));
  j->pulled = true;
  if (std::find(refs.begin(), refs.end(), j->request.reference) == refs.end() && !refs.empty())
    spdlog::warn("image manager: {} loaded {} references, none of them {}", j->request.archive, refs.size(),
                 j->request.reference);
  inspect_image(self, *j, "inspecting");
}

void on_deadline(self_ptr self, std::uint64_t id) {
  auto* j = job_by_id(self, id);
  if (!j || j->phase == "queued" || j->phase == "checking")
    return;
  j->call.cancel();
  fail_job(self, *j, make_error(errc::timeout, "pull " + j->request.reference,
                                "not finished within " + std::to_string(j->request.pull_timeout_ms) +
                                  " ms (image_pull_timeout), cancelled while " + j->phase));
}

void remove_image(self_ptr self, image_entry& img, bool force) {
  img.state = "removing";
  img.cleanup_at_ms = 0;
  ++self->state.removals;
  record_intent(self, "remove", img.image_id);
  auto me = caf::actor_cast<impl_actor>(self);
  auto id = img.image_id;
  self->state.docker->image_remove(id, force, [me, id, force](stevedore::result<unit> r) {
    caf::anon_send(me, removed_atom::value, id, r ? error_info{} : std::move(r).error(), force);
  });
}

void on_clean(self_ptr self, const std::string& image_id, std::uint64_t gen) {
  auto& s = self->state;
  auto it = s.images.find(image_id);
  if (!s.cfg.cleanup_image || it == s.images.end() || it->second.cleanup_gen != gen ||
      !it->second.holders.empty() || it->second.state != "present")
    return;
  remove_image(self, it->second, false);
}

void on_removed(self_ptr self, const std::string& image_id, error_info& e, bool forced) {
  auto& s = self->state;
  auto it = s.images.find(image_id);
  if (it == s.images.end())
    return;
  auto& img = it->second;
  // Docker refuses to remove by id an image tagged in several repositories
  // unless forced; forcing then removes every tag (still never an image a
  // running container uses).
  if (e.kind == errc::conflict && !forced && e.message.find("multiple repositories") != std::string::npos &&
      img.holders.empty())
    return remove_image(self, img, true);
  if (e.kind == errc::ok)
    spdlog::info("image manager: removed image {} (unused for {} ms)", image_id, s.cfg.cleanup_delay.count());
  else if (e.kind == errc::conflict || e.kind == errc::not_found)
    spdlog::debug("image manager: image {} not removed: {}", image_id, e.message);
  else
    spdlog::warn("image manager: removing image {}: {}", image_id, to_string(e));
  if (!img.holders.empty()) {  // leased again while the removal ran
    img.state = "present";
    return;
  }
  note_cleanup(self, image_id, 0);
  s.images.erase(it);
}

void on_down(self_ptr self, const caf::down_msg& dm) {
  auto& s = self->state;
  // Copied out first: releasing edits the index.
  std::vector<std::pair<std::string, std::string>> leases;
  auto [first, last] = s.leases_of.equal_range(dm.source.id());
  for (auto l = first; l != last; ++l)
    leases.emplace_back(l->second.holder->first, l->second.image->image_id);
  for (const auto& [holder, image_id] : leases) {
    spdlog::info("image manager: holder {} went away; releasing its lease on {}", holder, image_id);
    release_lease(self, holder, image_id);
  }
  for (auto& [ref, j] : s.jobs)
    j.waiters.erase(std::remove_if(j.waiters.begin(), j.waiters.end(),
                                   [&](const waiter& w) { return w.who && w.who->address() == dm.source; }),
                    j.waiters.end());
}

std::vector<image_record> records(self_ptr self) {
  std::vector<image_record> out;
  for (const auto& [id, img] : self->state.images) {
    image_record r{id, {img.references.begin(), img.references.end()}, {}, img.cleanup_at_ms, img.state};
    r.holders.reserve(img.holders.size());
    for (const auto& h : img.holders)
      r.holders.push_back(h.first);
    out.push_back(std::move(r));
  }
  for (const auto& [ref, j] : self->state.jobs) {
    image_record r{{}, {ref}, {}, 0, j.phase == "checking" ? "checking" : "pulling"};
    for (const auto& w : j.waiters)
      r.holders.push_back(w.holder);
    out.push_back(std::move(r));
  }
  return out;
}

actor_status status_of(self_ptr self) {
  auto& s = self->state;
  auto st = s.seen.status(self, "image_manager", "images", s.jobs.empty() ? "idle" : "pulling");
  std::size_t leases = 0, scheduled = 0;
  for (const auto& [id, img] : s.images) {
    leases += img.holders.size();
    scheduled += img.cleanup_at_ms != 0;
  }
  st.details = {{"jobs", std::to_string(s.jobs.size())},
                {"pulls_running", std::to_string(s.active)},
                {"pulls_queued", std::to_string(s.queue.size())},
                {"images", std::to_string(s.images.size())},
                {"leases", std::to_string(leases)},
                {"cleanups_scheduled", std::to_string(scheduled)},
                {"pulls", std::to_string(s.pulls)},
                {"loads", std::to_string(s.loads)},
                {"failures", std::to_string(s.failures)},
                {"removals", std::to_string(s.removals)},
                {"cleanup_image", s.cfg.cleanup_image ? "true" : "false"}};
  return st;
}

impl_actor::behavior_type image_manager(self_ptr self, std::shared_ptr<docker::client> docker,
                                        image_manager_config cfg) {
  self->state.docker = std::move(docker);
  if (!cfg.run_helper)
    cfg.run_helper = runner_helper(std::make_shared<docker::credential_helper_runner>());
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) {
    self->state.seen.note("down");
    on_down(self, dm);
  });
  rebuild(self);
  return {
    [self](acquire_atom, image_request& req) {
      self->state.seen.note("acquire");
      return on_acquire(self, req);
    },
    [self](release_atom, const std::string& holder, const std::string& image_id) {
      self->state.seen.note("release");
      release_lease(self, holder, image_id);
    },
    trace_start_handler(self),
    trace_read_handler(self),
    [self](images_atom) {
      self->state.seen.note("images");
      return records(self);
    },
    [self](status_atom) {
      self->state.seen.note("status");
      return status_of(self);
    },
    [self](insp_atom, std::uint64_t id, error_info& e, image_info& info) {
      self->state.seen.note("inspected");
      on_inspected(self, id, e, info);
    },
    [self](auth_atom, std::uint64_t id, error_info& e, std::string& auth, std::string& origin) {
      self->state.seen.note("auth");
      on_auth(self, id, e, auth, origin);
    },
    [self](prog_atom, std::uint64_t id, pull_progress& p) {
      self->state.seen.note("progress");
      auto* j = job_by_id(self, id);
      if (!j || j->phase != "pulling")
        return;
      ++j->progress;
      for (const auto& w : j->waiters)
        if (w.who)
          caf::anon_send(caf::actor_cast<caf::actor>(w.who), progress_atom::value, j->request.reference, p);
    },
    [self](pulled_atom, std::uint64_t id, error_info& e, pull_summary& sum) {
      self->state.seen.note("pulled");
      on_pulled(self, id, e, sum);
    },
    [self](loaded_atom, std::uint64_t id, error_info& e, std::vector<std::string>& refs) {
      self->state.seen.note("loaded");
      on_loaded(self, id, e, refs);
    },
    [self](removed_atom, const std::string& image_id, error_info& e, bool forced) {
      self->state.seen.note("removed");
      on_removed(self, image_id, e, forced);
    },
    [self](clean_atom, const std::string& image_id, std::uint64_t gen) {
      self->state.seen.note("cleanup");
      on_clean(self, image_id, gen);
    },
    [self](deadline_atom, std::uint64_t id) {
      self->state.seen.note("deadline");
      on_deadline(self, id);
    },
  };
}

} // namespace

image_manager_config image_manager_config::from(const client_config& c) {
  image_manager_config cfg;
  cfg.cleanup_image = c.cleanup_image;
  cfg.cleanup_delay = std::chrono::milliseconds(c.cleanup_image_delay_ms);
  cfg.auth_config = c.auth_config;
  cfg.auth_helper = c.auth_helper;
  cfg.max_concurrent_pulls = static_cast<std::size_t>(std::max<std::int64_t>(1, c.max_concurrent_pulls));
  cfg.pull_activity_timeout = std::chrono::milliseconds(c.pull_activity_timeout_ms);
  return cfg;
}

image_manager_actor spawn_image_manager(caf::actor_system& sys, std::shared_ptr<docker::client> docker,
                                        image_manager_config cfg) {
  auto h = sys.spawn(image_manager, std::move(docker), std::move(cfg));
  return caf::actor_cast<image_manager_actor>(h);
}

} // namespace stevedore
