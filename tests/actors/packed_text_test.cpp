// pack_text / unpack_text: the running plan's create body, LZ4-compressed.
#include <gtest/gtest.h>

#include <string>

#include "actors/packed_text.hpp"
#include "actors/task_actor.hpp"

namespace stevedore {
namespace {

std::string sample_body() {
  std::string id = "c1a2e8d1-e098-49ae-b799-aa9488847c2f";
  return "{\"Env\":[\"NOMAD_ALLOC_ID=" + id + "\",\"NOMAD_TASK_NAME=web\"],\"Image\":"
         "\"docker.io/library/busybox:1.36\",\"Labels\":{\"com.stevedore.alloc_id\":\"" + id +
         "\"},\"HostConfig\":{\"Binds\":[\"/var/lib/stevedore/alloc/" + id + "/alloc:/alloc\",\""
         "/var/lib/stevedore/alloc/" + id + "/web/local:/local\"]}}";
}

TEST(packed_text, round_trips_and_is_smaller) {
  auto text = sample_body();
  auto packed = pack_text(text);
  ASSERT_FALSE(packed.empty());
  EXPECT_LT(packed.size(), text.size() * 4 / 5) << "the repeated allocation id packs well";
  EXPECT_EQ(packed.capacity(), packed.size()) << "kept for long: no spare capacity";
  auto back = unpack_text(packed, "test body");
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(back.value(), text);
}

TEST(packed_text, leaves_empty_texts_alone_and_round_trips_large_ones) {
  EXPECT_TRUE(pack_text("").empty()) << "nothing to gain: the text is kept as it is";
  std::string large;
  for (int i = 0; i < 2000; ++i)
    large += "line " + std::to_string(i * 7919 % 10007) + "\n"; // ~20 KB, more than one inflate buffer
  auto back = unpack_text(pack_text(large), "large");
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(back.value(), large);
}

TEST(packed_text, damaged_bytes_are_an_error_naming_what) {
  auto packed = pack_text(sample_body());
  auto cut = unpack_text(packed.substr(0, packed.size() / 2), "task a1/web: create body");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().kind, errc::internal);
  EXPECT_NE(to_string(cut.error()).find("task a1/web: create body"), std::string::npos);
  auto junk = unpack_text(std::string("\xff\xff\xff\x00 not lz4 at all", 20), "junk");
  ASSERT_FALSE(junk.ok());
  auto lying = packed;
  lying[0] = static_cast<char>(lying[0] + 1); // claims one byte more than it holds
  ASSERT_FALSE(unpack_text(lying, "lying").ok());
}

TEST(packed_text, create_body_of_reads_either_form) {
  task_instance inst;
  inst.alloc_id = "a1";
  inst.task.edit().name = "web";
  inst.create_body_text = sample_body();
  auto plain = create_body_of(inst);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.value(), sample_body());
  inst.create_body_packed = pack_text(inst.create_body_text);
  inst.create_body_text.clear();
  auto unpacked = create_body_of(inst);
  ASSERT_TRUE(unpacked.ok());
  EXPECT_EQ(unpacked.value(), sample_body());
  inst.create_body_packed.resize(3);
  auto damaged = create_body_of(inst);
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(to_string(damaged.error()).find("task a1/web"), std::string::npos);
}

} // namespace
} // namespace stevedore
