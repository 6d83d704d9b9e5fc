// The console's actor list as data: filters, sort keys, pages, checks.
#include <gtest/gtest.h>

#include "policy/actor_query.hpp"

namespace stevedore::policy {
namespace {

actor_status row(std::uint64_t id, std::string kind, std::string name, std::string state,
                 std::int64_t messages) {
  actor_status st;
  st.id = id;
  st.kind = std::move(kind);
  st.name = std::move(name);
  st.state = std::move(state);
  st.messages = messages;
  return st;
}

TEST(ActorQuery, MatchesKindAndAStatePrefix) {
  actor_query q;
  q.kind = "task";
  q.state = "run";
  EXPECT_TRUE(actor_matches(q, row(1, "task", "a/web", "running", 0)));
  EXPECT_TRUE(actor_matches(q, row(1, "task", "a/web", "running (waiting for the daemon)", 0)));
  EXPECT_FALSE(actor_matches(q, row(1, "task", "a/web", "stopping", 0)));
  EXPECT_FALSE(actor_matches(q, row(1, "image_manager", "images", "running", 0)));
  EXPECT_TRUE(actor_matches(actor_query{}, row(1, "x", "y", "z", 0)));
}

TEST(ActorQuery, SortsByTheKeyThenByIdAndPages) {
  std::vector<actor_status> all = {row(3, "task", "b", "running", 5), row(1, "task", "a", "running", 5),
                                   row(2, "task", "c", "pending", 9)};
  actor_query q;
  q.sort = "messages";
  q.descending = true;
  sort_actors(all, q, 0);
  EXPECT_EQ(all[0].id, 2u);
  EXPECT_EQ(all[1].id, 1u) << "ties by id";
  EXPECT_EQ(all[2].id, 3u);
  q.sort = "name";
  q.descending = false;
  sort_actors(all, q, 0);
  EXPECT_EQ(all[0].name, "a");
  q.offset = 2;
  q.limit = 5;
  EXPECT_EQ(actor_page_bounds(3, q), (std::pair<std::size_t, std::size_t>{2, 3}));
  q.offset = 7;
  EXPECT_EQ(actor_page_bounds(3, q), (std::pair<std::size_t, std::size_t>{3, 3}));
}

TEST(ActorQuery, OnlyRegistryKeysSortWithoutAsking) {
  for (const char* k : {"id", "kind", "name", "state"}) {
    actor_query q;
    q.sort = k;
    EXPECT_TRUE(sorts_without_asking(q)) << k;
  }
  for (const char* k : {"messages", "mailbox", "rate", "last", "age"}) {
    actor_query q;
    q.sort = k;
    EXPECT_FALSE(sorts_without_asking(q)) << k;
  }
}

TEST(ActorQuery, ChecksNameTheField) {
  actor_query q;
  q.sort = "size";
  EXPECT_EQ(to_string(check_actor_query(q).error()),
            "sort: unknown key 'size' (expected one of id, kind, name, state, messages, mailbox, rate, last, age)");
  q = actor_query{};
  q.limit = 0;
  EXPECT_EQ(to_string(check_actor_query(q).error()), "limit: must be between 1 and 10000");
  q = actor_query{};
  q.offset = -1;
  EXPECT_EQ(to_string(check_actor_query(q).error()), "offset: must be 0 or more");
  EXPECT_TRUE(check_actor_query(actor_query{}).ok());
}

} // namespace
} // namespace stevedore::policy
