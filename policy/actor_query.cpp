#include "policy/actor_query.hpp"

#include <algorithm>
#include <tuple>

namespace stevedore::policy {

namespace {

constexpr std::int64_t max_page = 10000;

// A key's value as a comparable tuple: numbers first, then text.
std::tuple<double, const std::string*> key_of(const actor_status& st, const std::string& key,
                                              std::int64_t now_ms) {
  static const std::string none;
  if (key == "kind") return {0, &st.kind};
  if (key == "name") return {0, &st.name};
  if (key == "state") return {0, &st.state};
  if (key == "last") return {0, &st.last_message};
  if (key == "messages") return {static_cast<double>(st.messages), &none};
  if (key == "mailbox") return {static_cast<double>(st.mailbox), &none};
  if (key == "rate") return {st.rate, &none};
  if (key == "age") return {static_cast<double>(st.born_ms ? now_ms - st.born_ms : 0), &none};
  return {static_cast<double>(st.id), &none};
}

} // namespace

const std::vector<std::string>& actor_sort_keys() {
  static const std::vector<std::string> keys = {"id",      "kind",    "name", "state", "messages",
                                                "mailbox", "rate",    "last", "age"};
  return keys;
}

result<unit> check_actor_query(const actor_query& q) {
  const auto& keys = actor_sort_keys();
  if (std::find(keys.begin(), keys.end(), q.sort) == keys.end()) {
    std::string all;
    for (const auto& k : keys)
      all += (all.empty() ? "" : ", ") + k;
    return make_error(errc::invalid_input, "sort",
                      "unknown key '" + q.sort + "' (expected one of " + all + ")");
  }
  if (q.offset < 0)
    return make_error(errc::invalid_input, "offset", "must be 0 or more");
  if (q.limit < 1 || q.limit > max_page)
    return make_error(errc::invalid_input, "limit", "must be between 1 and 10000");
  return unit{};
}

bool actor_matches(const actor_query& q, const actor_status& st) {
  if (!q.kind.empty() && st.kind != q.kind)
    return false;
  return q.state.empty() || st.state.compare(0, q.state.size(), q.state) == 0;
}

bool sorts_without_asking(const actor_query& q) {
  return q.sort == "id" || q.sort == "kind" || q.sort == "name" || q.sort == "state";
}

namespace {

bool actor_less(const actor_status& a, const actor_status& b, const actor_query& q, std::int64_t now_ms) {
  auto ka = key_of(a, q.sort, now_ms), kb = key_of(b, q.sort, now_ms);
  auto ta = std::make_tuple(std::get<0>(ka), std::cref(*std::get<1>(ka)));
  auto tb = std::make_tuple(std::get<0>(kb), std::cref(*std::get<1>(kb)));
  if (ta != tb)
    return q.descending ? tb < ta : ta < tb;
  return a.id < b.id;
}

} // namespace

void sort_actors(std::vector<actor_status>& all, const actor_query& q, std::int64_t now_ms) {
  std::stable_sort(all.begin(), all.end(), [&](const actor_status& a, const actor_status& b) {
    return actor_less(a, b, q, now_ms);
  });
}

void sort_actors(std::vector<const actor_status*>& all, const actor_query& q, std::int64_t now_ms) {
  std::stable_sort(all.begin(), all.end(), [&](const actor_status* a, const actor_status* b) {
    return actor_less(*a, *b, q, now_ms);
  });
}

std::pair<std::size_t, std::size_t> actor_page_bounds(std::size_t total, const actor_query& q) {
  const auto first = std::min(total, static_cast<std::size_t>(std::max<std::int64_t>(q.offset, 0)));
  const auto limit = static_cast<std::size_t>(std::clamp<std::int64_t>(q.limit, 1, max_page));
  return {first, std::min(total, first + limit)};
}

} // namespace stevedore::policy
