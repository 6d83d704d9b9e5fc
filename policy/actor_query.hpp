// The inspection console's list of actors as data: which statuses a query
// keeps, in which order, and which page of them. Pure: the supervisor asks
// the actors, these decide what is shown.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "messages/node.hpp"
#include "messages/result.hpp"

namespace stevedore::policy {

// The sort keys, as GET /v1/actors takes them.
const std::vector<std::string>& actor_sort_keys();

// A query's problems, one line naming the field: an unknown sort key, a
// negative offset, a limit outside 1..10000.
result<unit> check_actor_query(const actor_query& q);

// Whether the status passes the query's kind and state filters (the state
// word starts with the query's state).
bool actor_matches(const actor_query& q, const actor_status& st);

// Whether the order can be decided from what the supervisor knows of a task
// without asking its actor (id, kind, name, state): then only the page's
// actors are asked.
bool sorts_without_asking(const actor_query& q);

// Sorts by the query's key (ties by actor id), descending when asked.
void sort_actors(std::vector<actor_status>& all, const actor_query& q, std::int64_t now_ms);
// The same order over statuses kept elsewhere (no copy of them).
void sort_actors(std::vector<const actor_status*>& all, const actor_query& q, std::int64_t now_ms);

// [first, last) of the page within `total` sorted statuses.
std::pair<std::size_t, std::size_t> actor_page_bounds(std::size_t total, const actor_query& q);

} // namespace stevedore::policy
