// parse_json: Nomad's JSON job form and JSON client settings into the same
// tree as HCL, with positions, and errors with line and column.
#include <string>

#include <gtest/gtest.h>

#include "policy/ast.hpp"
#include "tests/policy/parse_helpers.hpp"

namespace stevedore::policy {
namespace {

using testing::data_path;
using testing::find;
using testing::read_file;
using testing::render;

std::string pos_of(const node* n) {
  return n ? std::to_string(n->pos.line) + ":" + std::to_string(n->pos.column) : "missing";
}

TEST(JsonSpecExample, DockerConfigParses) {
  auto r = parse_json(read_file(data_path("spec_examples/18_docker_config.json")), "config.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(find(*r, "auths/internal.repo/auth")->text,
            "`echo -n '<username>:<password>' | base64 -w0`");
  EXPECT_EQ(find(*r, "credHelpers/<XYZ>.dkr.ecr.<region>.amazonaws.com")->text, "ecr-login");
  EXPECT_EQ(find(*r, "credsStore")->text, "secretservice");
}

class JsonJob : public ::testing::Test {
protected:
  void SetUp() override {
    auto r = parse_json(read_file(data_path("example.json")), "example.json");
    ASSERT_TRUE(r.ok()) << r.error().message;
    tree = *r;
  }
  node tree;
};

TEST_F(JsonJob, JobAndTaskGroups) {
  EXPECT_EQ(find(tree, "Job/ID")->text, "example");
  EXPECT_EQ(find(tree, "Job/Priority")->number, 50);
  const node* groups = find(tree, "Job/TaskGroups");
  ASSERT_NE(groups, nullptr);
  ASSERT_EQ(groups->type, node::kind::list);
  ASSERT_EQ(groups->items.size(), 1u);
  EXPECT_EQ(find(tree, "Job/TaskGroups/0/Name")->text, "cache");
  EXPECT_EQ(find(tree, "Job/TaskGroups/0/Tasks/0/Driver")->text, "docker");
}

TEST_F(JsonJob, TaskConfigKeepsNomadsListWrappedBlocks) {
  const char* config = "Job/TaskGroups/0/Tasks/0/Config/";
  auto at = [&](const std::string& p) { return find(tree, config + p); };
  EXPECT_EQ(at("image")->text, "redis:3.2");
  EXPECT_EQ(render(*at("port_map")), "[{db=6379}]");
  EXPECT_EQ(at("sysctl/0/net.core.somaxconn")->text, "16384");
  EXPECT_EQ(render(*at("mounts")),
            R"([{target="/path/in/container",readonly=false,)"
            R"(volume_options=[{no_copy=false,labels=[{foo="bar"}]}]}])");
}

TEST_F(JsonJob, ScalarsOfEveryKind) {
  const char* task = "Job/TaskGroups/0/Tasks/0/";
  auto at = [&](const std::string& p) { return find(tree, task + p); };
  EXPECT_EQ(at("Env/UNICODE")->text, "caf\xc3\xa9 \"quoted\"\n");
  EXPECT_EQ(at("KillTimeout")->text, "5e9");
  EXPECT_EQ(at("KillTimeout")->number, 5e9);
  EXPECT_EQ(at("Leader")->type, node::kind::boolean);
  EXPECT_EQ(at("Meta")->type, node::kind::null);
  EXPECT_EQ(find(tree, "Job/TaskGroups/0/RestartPolicy/Interval")->text, "300000000000");
}

TEST_F(JsonJob, PositionsOfValues) {
  EXPECT_EQ(pos_of(&tree), "1:1");
  EXPECT_EQ(pos_of(find(tree, "Job")), "2:10");
  EXPECT_EQ(pos_of(find(tree, "Job/ID")), "3:11");
  EXPECT_EQ(pos_of(find(tree, "Job/Constraints/0/RTarget")), "9:53");
  EXPECT_EQ(pos_of(find(tree, "Job/TaskGroups/0/Tasks/0/Config/image")), "21:24");
}

// ---------------------------------------------------------------------------

struct json_case {
  const char* name;
  const char* input;
  const char* tree;
};

void PrintTo(const json_case& c, std::ostream* os) { *os << c.name; }

const json_case json_cases[] = {
  {"empty_object", "{}", "{}"},
  {"empty_array", "[]", "[]"},
  {"member_order_kept", R"({"b":1,"a":2,"c":3})", "{b=1,a=2,c=3}"},
  {"duplicate_keys_kept", R"({"a":1,"a":2})", "{a=1,a=2}"},
  {"nested", R"({"a":{"b":[1,{"c":null}]}})", "{a={b=[1,{c=null}]}}"},
  {"numbers_keep_their_literal", "[0, -1, 1.50, 2e10, -3.5E-2]", "[0,-1,1.50,2e10,-3.5E-2]"},
  {"big_integer_literal_kept", "[123456789012345678901234567890]", "[123456789012345678901234567890]"},
  {"string_escapes", R"(["\t\n\"\\\/\u00e9\ud83d\ude00"])", "[\"\\t\\n\\\"\\\\/\xc3\xa9\xf0\x9f\x98\x80\"]"},
  {"escaped_key", R"({"a\"b":true})", "{a\"b=true}"},
  {"whitespace_everywhere", " \n\t{ \"a\" :\r\n [ 1 , 2 ] } \n", "{a=[1,2]}"},
  {"string_root", R"("x")", R"("x")"},
  {"number_root", "42", "42"},
  {"true_root", "true", "true"},
  {"null_root", "null", "null"},
  // simdjson's On-Demand get_double refuses these; they are zero (as the DOM
  // parser says).
  {"zero_with_huge_exponent", "[0e99999999999999999999, -0.0E+999999999999999999999]",
   "[0e99999999999999999999,-0.0E+999999999999999999999]"},
  {"underflow_with_huge_exponent", "[3.11e-11111000000000049111]", "[3.11e-11111000000000049111]"},
  {"zero_with_huge_exponent_root", "0e99999999999999999999 ", "0e99999999999999999999"},
  {"false_root_with_spaces", "false     ", "false"},
  {"true_root_with_spaces", "true    \n", "true"},
  {"null_root_with_spaces", " null \n", "null"},
  {"non_ascii", "{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}", "{caf\xc3\xa9=\"\xe2\x82\xac\"}"},
};

class JsonGrammar : public ::testing::TestWithParam<json_case> {};

TEST_P(JsonGrammar, ParsesToTheExpectedTree) {
  auto r = parse_json(GetParam().input, "job.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(render(*r), GetParam().tree);
}

INSTANTIATE_TEST_SUITE_P(Json, JsonGrammar, ::testing::ValuesIn(json_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(JsonValues, NumbersCarryTheirValue) {
  auto r = parse_json("[1, -2.5, 1e3, 123456789012345678901234567890]", "job.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->items[0].number, 1);
  EXPECT_EQ(r->items[1].number, -2.5);
  EXPECT_EQ(r->items[2].number, 1000);
  EXPECT_DOUBLE_EQ(r->items[3].number, 1.2345678901234568e29);
}

TEST(JsonValues, PositionsOnSeveralLines) {
  auto r = parse_json("{\n  \"a\": 1,\n  \"b\": [\n    true,\n\t\"x\"\n  ]\n}", "job.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(pos_of(find(*r, "a")), "2:8");
  EXPECT_EQ(pos_of(find(*r, "b")), "3:8");
  EXPECT_EQ(pos_of(find(*r, "b/0")), "4:5");
  EXPECT_EQ(pos_of(find(*r, "b/1")), "5:2");
}

TEST(JsonBounds, ReadsOnlyTheGivenBytes) {
  std::string buffer = "{\"a\":1}";
  auto r = parse_json(std::string_view(buffer.data(), buffer.size() - 1), "job.json");
  EXPECT_FALSE(r.ok());
}

// ---------------------------------------------------------------------------

struct json_error_case {
  const char* name;
  std::string input;
  const char* message; // after "job.json:"
};

void PrintTo(const json_error_case& c, std::ostream* os) { *os << c.name; }

const json_error_case json_error_cases[] = {
  {"empty", "", "1:1: no JSON value: the file is empty"},
  {"only_whitespace", " \n ", "1:1: no JSON value: the file is empty"},
  {"trailing_comma_in_object", "{\"a\":1,}",
   "1:8: malformed JSON: missing or misplaced comma, colon, brace or bracket; found '}'"},
  {"trailing_comma_in_array", "{\n  \"a\": [1,\n  ]\n}",
   "3:3: malformed JSON: missing or misplaced comma, colon, brace or bracket; found ']'"},
  {"missing_colon", "{\"a\" 1}", "1:6: malformed JSON: missing or misplaced comma, colon, brace or bracket; found '1'"},
  {"missing_comma", "[1 2]", "1:4: malformed JSON: missing or misplaced comma, colon, brace or bracket; found '2'"},
  {"wrong_closer", "{\"a\":[1,2}", "1:10: malformed JSON: missing or misplaced comma, colon, brace or bracket; found '}'"},
  {"extra_closer", "{\"a\":1}}", "1:8: unexpected content after the JSON value"},
  {"trailing_garbage", "{\"a\":1}\nx", "2:1: unexpected content after the JSON value"},
  {"two_scalars", "12 3", "1:4: unexpected content after the JSON value"},
  {"null_then_garbage", "null x", "1:6: unexpected content after the JSON value"},
  {"null_then_string", "null\":\"", "1:1: invalid literal: expected 'null'"},
  {"true_then_string", "true\"x\"", "1:1: invalid literal: expected 'true'"},
  {"number_then_string", "12\"x\"", "1:1: invalid or out of range number"},
  {"zero_then_garbage", "0e99999999999999999999 x", "1:24: unexpected content after the JSON value"},
  {"overflow_with_huge_exponent", "[1e99999999999999999999]", "1:2: invalid or out of range number"},
  {"nonzero_with_huge_exponent", "[0.5e99999999999999999999]", "1:2: invalid or out of range number"},
  {"zero_with_leading_zero", "[00e99999999999999999999]", "1:2: invalid or out of range number"},
  {"unclosed_object", "{\"a\":{\"b\":", "1:11: malformed JSON: missing or misplaced comma, colon, brace or bracket; found end of file"},
  {"bad_true", "{\"a\":tru}", "1:6: invalid literal: expected 'true'"},
  {"bad_false", "[fals]", "1:2: invalid literal: expected 'false'"},
  {"bad_null", "[nul]", "1:2: invalid literal: expected 'null'"},
  {"bare_word", "{\"a\":\n  redis}", "2:3: malformed JSON: missing or misplaced comma, colon, brace or bracket; found 'r' (strings need double quotes)"},
  {"bad_number", "{\"a\":-}", "1:6: invalid or out of range number"},
  {"leading_zero", "[01]", "1:2: invalid or out of range number"},
  {"number_out_of_range", "[1e999]", "1:2: invalid or out of range number"},
  {"bad_escape", "[\"\\q\"]", "1:2: invalid string: bad escape sequence"},
  {"lone_surrogate", "[\"\\ud800\"]", "1:2: invalid string: bad escape sequence"},
  {"unterminated_string", "{\n  \"a\": [\n    \"x\n", "3:5: unterminated string: no closing '\"'"},
  {"control_character_in_string", "{\"a\":\"x\x01y\"}", "1:8: control character in a string: it must be escaped"},
  {"invalid_utf8", "{\"a\":\n\"x\xffy\"}", "2:3: invalid UTF-8"},
  {"too_deep", std::string(200, '['), "1:129: nesting deeper than 128 levels"},
};

class JsonError : public ::testing::TestWithParam<json_error_case> {};

TEST_P(JsonError, ReportsWhereAndWhat) {
  auto r = parse_json(GetParam().input, "job.json");
  ASSERT_FALSE(r.ok()) << render(*r);
  EXPECT_EQ(r.error().kind, errc::invalid_input);
  EXPECT_EQ(r.error().what, "job.json");
  EXPECT_EQ(r.error().message, std::string("job.json:") + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Json, JsonError, ::testing::ValuesIn(json_error_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(JsonErrors, DeepButAllowedNestingParses) {
  std::string s = std::string(128, '[') + std::string(128, ']');
  EXPECT_TRUE(parse_json(s, "job.json").ok());
}

TEST(JsonErrors, HugeHostileNestingFailsWithoutCrashing) {
  std::string s;
  for (int i = 0; i < 100000; ++i) s += "{\"a\":[";
  auto r = parse_json(s, "job.json");
  ASSERT_FALSE(r.ok());
}

} // namespace
} // namespace stevedore::policy
