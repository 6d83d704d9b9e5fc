// parse_hcl: the spec's examples, a whole job, the grammar one construct at a
// time, and every kind of error with its exact place.
#include <filesystem>
#include <functional>
#include <set>
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

node parse_ok(std::string_view text) {
  auto r = parse_hcl(text, "job.nomad");
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : node{};
}

std::string text_at(const node& root, std::string_view path) {
  const node* n = find(root, path);
  return n ? n->text : "<missing " + std::string(path) + ">";
}

// ---------------------------------------------------------------------------
// Every example block of the specification, copied verbatim.

struct spec_case {
  const char* file;
  std::function<void(const node&)> check;
};

void PrintTo(const spec_case& c, std::ostream* os) { *os << c.file; }

const std::vector<spec_case>& spec_cases() {
  static const std::vector<spec_case> cases = {
    {"00_task_config.hcl", [](const node& t) {
       const node* task = find(t, "task");
       ASSERT_NE(task, nullptr);
       EXPECT_TRUE(task->block);
       EXPECT_EQ(task->labels, std::vector<std::string>{"webservice"});
       EXPECT_EQ(text_at(t, "task/driver"), "docker");
       EXPECT_EQ(text_at(t, "task/config/image"), "redis:3.2");
       EXPECT_EQ(text_at(t, "task/config/labels/group"), "webservice-cache");
     }},
    {"01_image.hcl", [](const node& t) {
       EXPECT_EQ(text_at(t, "config/image"), "https://hub.docker.internal/redis:3.2");
     }},
    {"02_args.hcl", [](const node& t) {
       EXPECT_EQ(render(*find(t, "config/args")),
                 R"(["-bind","${NOMAD_PORT_http}","${nomad.datacenter}","${MY_ENV}","${meta.foo}"])");
     }},
    {"03_command.hcl", [](const node& t) { EXPECT_EQ(text_at(t, "config/command"), "my-command"); }},
    {"04_sysctl.hcl", [](const node& t) {
       const node* v = find(t, "config/sysctl/net.core.somaxconn");
       ASSERT_NE(v, nullptr);
       EXPECT_EQ(v->type, node::kind::string);
       EXPECT_EQ(v->text, "16384");
     }},
    {"05_ulimit.hcl", [](const node& t) {
       EXPECT_EQ(render(*find(t, "config/ulimit")), R"({nproc="4242",nofile="2048:4096"})");
     }},
    {"06_labels.hcl", [](const node& t) {
       EXPECT_EQ(render(t), R"({config {labels {foo="bar",zip="zap"}}})");
     }},
    {"07_load.hcl", [](const node& t) {
       EXPECT_EQ(render(t), R"({artifact {source="http://path.to/redis.tar"},)"
                            R"(config {load="redis.tar",image="redis"}})");
     }},
    {"08_logging.hcl", [](const node& t) {
       EXPECT_EQ(text_at(t, "config/logging/type"), "fluentd");
       EXPECT_EQ(text_at(t, "config/logging/config/fluentd-address"), "localhost:24224");
       EXPECT_EQ(text_at(t, "config/logging/config/tag"), "your_tag");
     }},
    {"09_network_aliases.hcl", [](const node& t) {
       EXPECT_EQ(text_at(t, "config/network_mode"), "user-network");
       EXPECT_EQ(render(*find(t, "config/network_aliases")),
                 R"(["${NOMAD_TASK_NAME}","${NOMAD_TASK_NAME}-${NOMAD_ALLOC_INDEX}"])");
     }},
    {"10_security_opt.hcl", [](const node& t) {
       EXPECT_EQ(render(*find(t, "config/security_opt")), R"(["credentialspec=file://gmsaUser.json"])");
     }},
    {"11_volumes.hcl", [](const node& t) {
       EXPECT_EQ(render(*find(t, "config/volumes")),
                 R"(["/path/on/host:/path/in/container","relative/to/task:/also/in/container"])");
     }},
    {"12_volume_driver.hcl", [](const node& t) {
       EXPECT_EQ(render(t), R"({config {volumes=["name-of-the-volume:/path/in/container"],)"
                            R"(volume_driver="pxd"}})");
     }},
    {"13_mounts.hcl", [](const node& t) {
       const node* mounts = find(t, "config/mounts");
       ASSERT_NE(mounts, nullptr);
       ASSERT_EQ(mounts->type, node::kind::list);
       ASSERT_EQ(mounts->items.size(), 1u);
       EXPECT_FALSE(mounts->items[0].block);
       EXPECT_EQ(text_at(t, "config/mounts/0/target"), "/path/in/container");
       EXPECT_EQ(find(t, "config/mounts/0/readonly")->type, node::kind::boolean);
       EXPECT_TRUE(find(t, "config/mounts/0/volume_options")->block);
       EXPECT_EQ(text_at(t, "config/mounts/0/volume_options/labels/foo"), "bar");
       EXPECT_EQ(text_at(t, "config/mounts/0/volume_options/driver_config/name"), "pxd");
       const node* options = find(t, "config/mounts/0/volume_options/driver_config/options");
       ASSERT_NE(options, nullptr);
       EXPECT_FALSE(options->block); // written `options = {`
       EXPECT_EQ(text_at(t, "config/mounts/0/volume_options/driver_config/options/foo"), "bar");
     }},
    {"14_devices.hcl", [](const node& t) {
       EXPECT_EQ(render(*find(t, "config/devices")),
                 R"([{host_path="/dev/sda1",container_path="/dev/xvdc",cgroup_permissions="r"},)"
                 R"({host_path="/dev/sda2",container_path="/dev/xvdd"}])");
     }},
    {"15_cap_add.hcl", [](const node& t) {
       EXPECT_EQ(render(*find(t, "config/cap_add")), R"(["SYS_TIME"])");
     }},
    {"16_cap_drop.hcl", [](const node& t) {
       EXPECT_EQ(render(*find(t, "config/cap_drop")), R"(["MKNOD"])");
     }},
    {"17_auth.hcl", [](const node& t) {
       EXPECT_EQ(find(t, "task")->labels, std::vector<std::string>{"example"});
       EXPECT_EQ(render(*find(t, "task/config/auth")),
                 R"({username="dockerhub_user",password="dockerhub_password"})");
     }},
    {"19_client_auth_helper.hcl", [](const node& t) {
       EXPECT_EQ(render(t), R"({client {enabled=true,options {docker.auth.helper="ecr"}}})");
     }},
    {"20_ports.hcl", [](const node& t) {
       EXPECT_EQ(render(*find(t, "task/resources")),
                 R"({network {port "http" {},port "https" {}}})");
       EXPECT_EQ(find(t, "task/resources/network/port#1")->labels,
                 std::vector<std::string>{"https"});
     }},
    {"21_port_http.hcl", [](const node& t) { EXPECT_EQ(render(t), R"({port "http" {}})"); }},
    {"22_port_map.hcl", [](const node& t) {
       const node* redis = find(t, "task/config/port_map/redis");
       ASSERT_NE(redis, nullptr);
       EXPECT_EQ(redis->type, node::kind::number);
       EXPECT_EQ(redis->number, 6379);
       EXPECT_EQ(render(*find(t, "task/resources/network")), R"({mbits=20,port "redis" {}})");
     }},
    {"23_client_cleanup_image.hcl", [](const node& t) {
       EXPECT_EQ(render(t), R"({client {options {docker.cleanup.image="false"}}})");
     }},
    {"24_constraint.hcl", [](const node& t) {
       EXPECT_EQ(render(t), R"({job "docs" {constraint {attribute="${driver.docker.version}",)"
                            R"(operator=">",version="1.2"}}})");
     }},
  };
  return cases;
}

class SpecExample : public ::testing::TestWithParam<spec_case> {};

TEST_P(SpecExample, ParsesAndHasTheExpectedTree) {
  std::string text = read_file(data_path(std::string("spec_examples/") + GetParam().file));
  ASSERT_FALSE(text.empty()) << GetParam().file;
  auto r = parse_hcl(text, GetParam().file);
  ASSERT_TRUE(r.ok()) << r.error().message;
  GetParam().check(*r);
}

INSTANTIATE_TEST_SUITE_P(Spec, SpecExample, ::testing::ValuesIn(spec_cases()),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.find('.'));
                           return "ex" + name;
                         });

// A new example in the data folder without a case above fails here.
TEST(SpecExamples, EveryHclFileHasACase) {
  std::set<std::string> covered;
  for (const auto& c : spec_cases()) covered.insert(c.file);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(data_path("spec_examples"))) {
    if (e.path().extension() != ".hcl") continue;
    ++files;
    EXPECT_TRUE(covered.count(e.path().filename().string())) << e.path().filename();
  }
  EXPECT_EQ(files, static_cast<int>(spec_cases().size()));
}

// ---------------------------------------------------------------------------
// A whole job as a Nomad user writes it.

class ExampleJob : public ::testing::Test {
protected:
  void SetUp() override {
    auto r = parse_hcl(read_file(data_path("example.nomad")), "example.nomad");
    ASSERT_TRUE(r.ok()) << r.error().message;
    tree = *r;
  }
  node tree;
};

TEST_F(ExampleJob, JobGroupAndTaskAreLabelledBlocks) {
  ASSERT_EQ(tree.fields.size(), 1u);
  EXPECT_EQ(tree.fields[0].first, "job");
  EXPECT_EQ(find(tree, "job")->labels, std::vector<std::string>{"example"});
  EXPECT_EQ(find(tree, "job/group")->labels, std::vector<std::string>{"cache"});
  EXPECT_EQ(find(tree, "job/group/task")->labels, std::vector<std::string>{"redis"});
  EXPECT_EQ(find(tree, "job/group/count")->number, 3);
  EXPECT_EQ(render(*find(tree, "job/datacenters")), R"(["dc1","dc2"])");
}

TEST_F(ExampleJob, TaskConfigAndResources) {
  const char* task = "job/group/task/";
  auto at = [&](const std::string& p) { return find(tree, task + p); };
  EXPECT_EQ(at("config/image")->text, "redis:3.2");
  EXPECT_EQ(at("config/port_map/db")->number, 6379);
  EXPECT_EQ(render(*at("config/args")), R"(["--maxmemory","${NOMAD_MEMORY_LIMIT}mb"])");
  EXPECT_EQ(render(*at("config/logging")), R"({type="syslog",config {tag="redis"}})");
  EXPECT_EQ(render(*at("resources")),
            R"({cpu=500,memory=256,network {mbits=10,port "db" {},port "admin" {static=8080}}})");
  EXPECT_EQ(render(*at("env")), R"({REDIS_MODE="cache",LOG.LEVEL="debug"})");
  EXPECT_EQ(render(*at("meta")), R"({owner="team-cache",tier=2})");
  EXPECT_EQ(render(*at("logs")), R"({max_files=10,max_file_size=15})");
  EXPECT_EQ(at("artifact/options/checksum")->text, "sha256:abd123445ds4555555555");
  EXPECT_EQ(at("kill_timeout")->text, "20s");
}

TEST_F(ExampleJob, RepeatedTemplateBlocksKeepOrderAndHeredocText) {
  const node* first = find(tree, "job/group/task/template");
  const node* second = find(tree, "job/group/task/template#1");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->fields[0].second.text, "bind 0.0.0.0\nport {{ env \"NOMAD_PORT_db\" }}\n");
  EXPECT_EQ(second->fields[0].second.text,
            "maxmemory ${NOMAD_MEMORY_LIMIT}mb\n  # kept indented\n");
  EXPECT_EQ(find(tree, "job/group/task/template#2"), nullptr);
}

TEST_F(ExampleJob, ConstraintRestartAndUpdate) {
  EXPECT_EQ(render(*find(tree, "job/constraint")),
            R"({attribute="${attr.kernel.name}",value="linux"})");
  EXPECT_EQ(render(*find(tree, "job/group/restart")),
            R"({attempts=10,interval="5m",delay="25s",mode="delay"})");
  EXPECT_EQ(find(tree, "job/update/auto_revert")->boolean, false);
}

TEST_F(ExampleJob, PositionsOfBlocksAndValues) {
  auto pos = [&](std::string_view p) {
    const node* n = find(tree, p);
    return n ? std::to_string(n->pos.line) + ":" + std::to_string(n->pos.column) : "missing";
  };
  EXPECT_EQ(pos("job"), "2:1");                       // a block: where its key is
  EXPECT_EQ(pos("job/datacenters"), "3:17");          // a value: where it starts
  EXPECT_EQ(pos("job/group/task"), "34:5");
  EXPECT_EQ(pos("job/group/task/config/image"), "38:17");
  EXPECT_EQ(pos("job/group/task/template/data"), "64:16"); // the heredoc's "<<"
  EXPECT_EQ(pos("job/group/task/resources/network/port#1"), "102:11");
  EXPECT_EQ(pos("job/group/task/kill_timeout"), "120:22");
}

// ---------------------------------------------------------------------------
// The grammar, one construct per case: input -> rendered tree.

struct grammar_case {
  const char* name;
  const char* input;
  const char* tree;
};

void PrintTo(const grammar_case& c, std::ostream* os) { *os << c.name; }

const grammar_case grammar_cases[] = {
  {"empty_file", "", "{}"},
  {"only_comments", "# hash\n// slashes\n/* block\n comment */\n", "{}"},
  {"assignment", "a = 1", "{a=1}"},
  {"booleans", "a = true\nb = false", "{a=true,b=false}"},
  {"numbers_keep_their_literal", "a = -1\nb = 1.5\nc = 1e3\nd = -2.5E-3\ne = 0",
   "{a=-1,b=1.5,c=1e3,d=-2.5E-3,e=0}"},
  {"hex_and_octal", "a = 0x1F\nb = 0755", "{a=0x1F,b=0755}"},
  {"floats_as_hcl1_writes_them", "a = 1.\nb = 1.e2\nc = 1e-400", "{a=1.,b=1.e2,c=1e-400}"},
  {"string_escapes", R"(a = "t\tn\nq\"b\\ \u00e9 \U0001F600 \x41\101 \a")",
   "{a=\"t\\tn\\nq\\\"b\\\\ \xc3\xa9 \xf0\x9f\x98\x80 AA \\x07\"}"},
  {"interpolation_kept", R"(a = "${NOMAD_PORT_http}")", R"({a="${NOMAD_PORT_http}"})"},
  {"quotes_inside_interpolation", R"(a = "${env["HOME"]}/x")", R"({a="${env[\"HOME\"]}/x"})"},
  {"escapes_inside_interpolation_verbatim", R"(a = "\t${f(\"x\")}\t")",
   R"({a="\t${f(\\\"x\\\")}\t"})"},
  {"nested_braces_in_interpolation", R"(a = "${a{b}c}d")", R"({a="${a{b}c}d"})"},
  {"newline_inside_interpolation", "a = \"${a +\nb}\"", R"({a="${a +\nb}"})"},
  {"dollar_without_brace", R"(a = "$HOME $$ $")", R"({a="$HOME $$ $"})"},
  {"heredoc", "a = <<EOF\nline 1\n  line 2\nEOF\n", R"({a="line 1\n  line 2\n"})"},
  {"heredoc_empty", "a = <<EOF\nEOF\n", R"({a=""})"},
  {"heredoc_keeps_quotes_and_interpolation", "a = <<EOF\n\"${x}\" \\n\nEOF\n",
   R"({a="\"${x}\" \\n\n"})"},
  {"heredoc_end_marker_not_at_line_start", "a = <<EOF\nx EOF\nEOF\n", R"({a="x EOF\n"})"},
  {"heredoc_at_end_of_file", "a = <<EOF\nx\nEOF", R"({a="x\n"})"},
  {"heredoc_crlf", "a = <<EOF\r\nx\r\nEOF\r\n", R"({a="x\x0d\n"})"},
  {"indented_heredoc", "a = <<-EOF\n    x\n      y\n    EOF\n", R"({a="x\n  y\n"})"},
  // HCL1: when a line is less indented than the marker, nothing is removed
  // and trailing white space goes.
  {"indented_heredoc_uneven", "a = <<-EOF\n    x\n  y\n    EOF\n", R"({a="    x\n  y"})"},
  {"indented_heredoc_blank_line", "a = <<-EOF\n  x\n\n  y\n  EOF\n", R"({a="  x\n\n  y"})"},
  {"block", "config { image = \"redis\" }", R"({config {image="redis"}})"},
  {"empty_block", "config {}", "{config {}}"},
  {"labelled_block", "task \"web\" { driver = \"docker\" }", R"({task "web" {driver="docker"}})"},
  {"two_labels", "a \"l1\" \"l2\" {}", R"({a "l1" "l2" {}})"},
  {"bare_labels", "port http {}\nport https {}", R"({port "http" {},port "https" {}})"},
  {"labels_then_brace_on_next_line", "task \"x\"\n{\n}", R"({task "x" {}})"},
  {"repeated_blocks_keep_order", "t \"a\" {}\nx = 1\nt \"b\" {}", R"({t "a" {},x=1,t "b" {}})"},
  {"repeated_assignments_kept", "a = 1\na = 2", "{a=1,a=2}"},
  {"quoted_key", R"("docker.auth.helper" = "ecr")", R"({docker.auth.helper="ecr"})"},
  {"quoted_key_with_escapes", R"("a\tb" = 1)", "{a\tb=1}"},
  {"dotted_dashed_and_colon_keys", "net.core.somaxconn = 1\nfluentd-address = 2\na:b = 3\n_x9 = 4",
   "{net.core.somaxconn=1,fluentd-address=2,a:b=3,_x9=4}"},
  {"non_ascii_key", "caf\xc3\xa9 = 1", "{caf\xc3\xa9=1}"},
  {"object_assignment", "a = { b = 1, c = \"x\" }", R"({a={b=1,c="x"}})"},
  {"object_newline_separated", "a = {\n  b = 1\n  c = 2\n}", "{a={b=1,c=2}}"},
  {"object_trailing_comma", "a = { b = 1, }", "{a={b=1}}"},
  {"items_on_one_line", "a = 1 b = 2", "{a=1,b=2}"},
  {"commas_between_top_level_items", "a = 1, b = 2", "{a=1,b=2}"},
  {"empty_list", "a = []", "{a=[]}"},
  {"list_trailing_comma", "a = [1, 2,]", "{a=[1,2]}"},
  {"list_over_lines_with_comments", "a = [\n  # one\n  \"x\", // two\n  /* three */ \"y\"\n]",
   R"({a=["x","y"]})"},
  {"nested_lists", "a = [[1, 2], [], [[true]]]", "{a=[[1,2],[],[[true]]]}"},
  {"heredoc_in_list", "a = [<<EOF\nx\nEOF\n, \"y\"]", R"({a=["x\n","y"]})"},
  {"list_of_objects_with_blocks_inside",
   "mounts = [ { target = \"/x\" volume_options { no_copy = false labels { foo = \"bar\" } } } ]",
   R"({mounts=[{target="/x",volume_options {no_copy=false,labels {foo="bar"}}}]})"},
  {"object_with_labelled_block_inside", "a = { port \"http\" { static = 80 } }",
   R"({a={port "http" {static=80}}})"},
  {"byte_order_mark_skipped", "\xef\xbb\xbf" "a = 1", "{a=1}"},
  {"crlf_line_endings", "a = 1\r\nb {\r\n  c = \"d\"\r\n}\r\n", R"({a=1,b {c="d"}})"},
  {"comment_markers_inside_strings", R"(a = "# not // a /* comment")",
   R"({a="# not // a /* comment"})"},
  {"comment_at_end_of_file_without_newline", "a = 1 # done", "{a=1}"},
};

class Grammar : public ::testing::TestWithParam<grammar_case> {};

TEST_P(Grammar, ParsesToTheExpectedTree) {
  auto r = parse_hcl(GetParam().input, "job.nomad");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(render(*r), GetParam().tree);
}

INSTANTIATE_TEST_SUITE_P(Hcl, Grammar, ::testing::ValuesIn(grammar_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(HclValues, NumbersCarryTheirValue) {
  node t = parse_ok("a = -12\nb = 0.5\nc = 1e3\nd = 0x10\ne = 0755\nf = -9223372036854775808");
  EXPECT_EQ(find(t, "a")->number, -12);
  EXPECT_EQ(find(t, "b")->number, 0.5);
  EXPECT_EQ(find(t, "c")->number, 1000);
  EXPECT_EQ(find(t, "d")->number, 16);
  EXPECT_EQ(find(t, "e")->number, 493); // octal, as HCL1 reads it
  EXPECT_EQ(find(t, "f")->number, -9223372036854775808.0);
}

TEST(HclValues, FloatsTooSmallForADoubleAreZero) {
  node t = parse_ok("a = 1.\nb = 1e-400\nc = -1.5e-99999999999999999999");
  EXPECT_EQ(find(t, "a")->number, 1);
  EXPECT_EQ(find(t, "b")->number, 0);
  EXPECT_EQ(find(t, "c")->number, 0);
}

TEST(HclValues, BlockAndAssignedObjectAreToldApart) {
  node t = parse_ok("a { x = 1 }\nb = { x = 1 }");
  EXPECT_TRUE(find(t, "a")->block);
  EXPECT_FALSE(find(t, "b")->block);
  EXPECT_EQ(find(t, "a")->type, node::kind::object);
  EXPECT_EQ(find(t, "b")->type, node::kind::object);
}

TEST(HclValues, PositionsAreOneBasedLineAndByteColumn) {
  node t = parse_ok("a = 1\n\tb = \"x\"\n  c {\n    d = [1,\n      2]\n  }\n");
  auto pos = [&](std::string_view p) {
    const node* n = find(t, p);
    return std::to_string(n->pos.line) + ":" + std::to_string(n->pos.column);
  };
  EXPECT_EQ(pos("a"), "1:5");
  EXPECT_EQ(pos("b"), "2:6"); // a tab is one column
  EXPECT_EQ(pos("c"), "3:3");
  EXPECT_EQ(pos("c/d"), "4:9");
  EXPECT_EQ(pos("c/d/1"), "5:7");
  EXPECT_EQ(t.pos.line, 1);
}

// The parser reads only the bytes it is given: a closing quote just past
// the end of the view must not count.
TEST(HclBounds, ReadsOnlyTheGivenBytes) {
  std::string buffer = "a = \"abc\"";
  auto r = parse_hcl(std::string_view(buffer.data(), buffer.size() - 1), "job.nomad");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "job.nomad:1:5: unterminated string: no closing '\"' before end of file");
}

// ---------------------------------------------------------------------------
// Errors: the first problem, as "FILE:LINE:COL: what".

struct error_case {
  const char* name;
  std::string input; // empty: made by error_input()
  const char* message; // after "job.nomad:"
};

void PrintTo(const error_case& c, std::ostream* os) { *os << c.name; }

const error_case error_cases[] = {
  // the brief's example: a forgotten '='
  {"missing_equals", "job \"x\" {\n  config {\n    image \"redis\"\n  }\n}",
   "3:11: expected '=' or '{' after key 'image', found string"},
  {"missing_equals_before_number", "a 1", "1:3: expected '=' or '{' after key 'a', found number 1"},
  {"labels_then_equals", "a \"b\" = 1", "1:3: expected '=' or '{' after key 'a', found string"},
  {"key_without_value_at_end", "a", "1:2: expected '=' or '{' after key 'a', found end of file"},
  {"unterminated_string_end_of_file", "a = \"abc", "1:5: unterminated string: no closing '\"' before end of file"},
  {"unterminated_string_end_of_line", "a = 1\nb = \"abc\nc = 2",
   "2:5: unterminated string: no closing '\"' before end of line"},
  {"unterminated_string_backslash_at_end", "a = \"x\\", "1:5: unterminated string: no closing '\"' before end of file"},
  {"unterminated_interpolation", "a = \"x${foo\"\nb = 1\n",
   "1:7: unterminated interpolation: '${' is never closed by '}'"},
  {"unterminated_heredoc", "a = 1\nb = <<EOF\nline\n", "2:5: unterminated heredoc: no closing line 'EOF' for '<<EOF'"},
  {"unterminated_indented_heredoc", "b = <<-END\nline\n  EN\n", "1:5: unterminated heredoc: no closing line 'END' for '<<-END'"},
  {"heredoc_without_anchor", "a = <<\nEOF\n", "1:5: expected a heredoc anchor name after '<<'"},
  {"heredoc_anchor_not_alone", "a = <<EOF x\nEOF\n", "1:10: expected end of line after heredoc anchor '<<EOF', found ' '"},
  {"heredoc_anchor_at_end_of_file", "a = <<EOF", "1:5: unterminated heredoc: no closing line 'EOF' for '<<EOF'"},
  {"unterminated_comment", "a = 1\n  /* not closed\n", "2:3: unterminated comment: '/*' is never closed by '*/'"},
  {"unterminated_block", "job \"x\" {\n  group \"g\" {\n  }\n", "1:9: block 'job' is not closed: expected '}' before end of file"},
  {"unterminated_inner_block", "job \"x\" {\n  group \"g\" {\n}\n", "1:9: block 'job' is not closed: expected '}' before end of file"},
  {"unterminated_object", "a = {\n  b = 1\n", "1:5: object 'a' is not closed: expected '}' before end of file"},
  {"unterminated_list", "a = [1,\n  2\n", "1:5: list 'a' is not closed: expected ']' before end of file"},
  {"unterminated_list_after_comma", "a = [1,", "1:5: list 'a' is not closed: expected ']' before end of file"},
  {"stray_closing_brace", "a = 1\n}\n", "2:1: expected a key (no block is open here), found '}'"},
  {"extra_closing_brace", "a { b = 1 }}", "1:12: expected a key (no block is open here), found '}'"},
  {"stray_closing_bracket", "a = 1\n]", "2:1: expected a key, found ']'"},
  {"bracket_closes_block", "a {\n  b = 1\n]", "3:1: expected a key or '}', found ']'"},
  {"brace_closes_list", "a = [1, 2}", "1:10: expected ',' or ']' after an element of list 'a', found '}'"},
  {"stray_character", "a = 1\nb = @\n", "2:5: unexpected '@'"},
  {"stray_control_byte", "a\x01 = 1", "1:2: unexpected byte 0x01"},
  {"stray_invalid_utf8", "a = 1\n\xff", "2:1: unexpected byte 0xff"},
  {"lone_slash", "a = 1 / 2", "1:7: unexpected '/'"},
  {"lone_minus", "a = -x", "1:5: unexpected '-'"},
  {"single_angle_bracket", "a = <EOF", "1:5: unexpected '<'"},
  {"missing_value_end_of_file", "a =", "1:4: expected a value for 'a', found end of file"},
  {"missing_value_before_brace", "b {\n  a =\n}", "3:1: expected a value for 'a', found '}'"},
  {"missing_value_before_next_key", "a =\nb = 1", "2:1: expected a value for 'a', found identifier 'b'"},
  {"bare_word_value", "image = redis", "1:9: expected a value for 'image' (strings need double quotes), found identifier 'redis'"},
  {"equals_as_key", "= 1", "1:1: expected a key, found '='"},
  {"number_as_key", "1 = 2", "1:1: expected a key, found number 1"},
  {"list_as_key", "[1] = 2", "1:1: expected a key, found '['"},
  {"double_equals", "a == 1", "1:4: expected a value for 'a', found '='"},
  {"missing_comma_in_list", "a = [1 2]", "1:8: expected ',' or ']' after an element of list 'a', found number 2"},
  {"missing_comma_between_lists", "a = [[1] [2]]", "1:10: expected ',' or ']' after an element of list 'a', found '['"},
  {"double_comma_in_list", "a = [1,,2]", "1:8: expected an element of list 'a' or ']', found ','"},
  {"leading_comma_in_list", "a = [,1]", "1:6: expected an element of list 'a' or ']', found ','"},
  {"bare_word_in_list", "a = [x]", "1:6: expected an element of list 'a' or ']', found identifier 'x'"},
  {"double_comma_between_items", "a = 1,, b = 2", "1:7: expected a key, found ','"},
  {"leading_comma_in_block", "a { , b = 1 }", "1:5: expected a key or '}', found ','"},
  {"invalid_escape", "a = \"x\\qy\"", "1:7: invalid escape sequence '\\q' in string"},
  {"invalid_escape_single_quote", "a = \"\\'\"", "1:6: invalid escape sequence '\\'' in string"},
  {"invalid_escape_in_interpolation", "a = \"${\\q}\"", "1:8: invalid escape sequence '\\q' in string"},
  {"short_unicode_escape", "a = \"\\u12\"", "1:6: invalid escape sequence '\\u' in string: \\u needs 4 hex digits"},
  {"surrogate_unicode_escape", "a = \"\\ud800\"", "1:6: invalid escape sequence '\\u' in string: not a Unicode code point"},
  {"too_large_unicode_escape", "a = \"\\U00110000\"", "1:6: invalid escape sequence '\\U' in string: not a Unicode code point"},
  {"short_hex_escape", "a = \"\\x4\"", "1:6: invalid escape sequence '\\x' in string: \\x needs 2 hex digits"},
  {"octal_escape_too_large", "a = \"\\477\"",
   "1:6: invalid escape sequence '\\4' in string: an octal escape is three digits from \\000 to \\377"},
  {"escaped_line_break", "a = \"x\\\ny\"", "1:7: invalid escape sequence '\\' at end of line in string"},
  {"integer_out_of_range", "a = 9223372036854775808", "1:5: number '9223372036854775808' is out of range (integers are 64-bit)"},
  {"negative_integer_out_of_range", "a = -9223372036854775809",
   "1:5: number '-9223372036854775809' is out of range (integers are 64-bit)"},
  {"hex_out_of_range", "a = 0x10000000000000000", "1:5: number '0x10000000000000000' is out of range (integers are 64-bit)"},
  {"float_out_of_range", "a = 1e999", "1:5: number '1e999' is out of range"},
  {"number_with_unit", "a = 10s", "1:5: invalid number '10s'"},
  {"number_with_two_dots", "a = 1.2.3", "1:5: invalid number '1.2.3'"},
  {"number_without_exponent_digits_after_point", "a = 1.e", "1:5: invalid number '1.e'"},
  {"nul_in_string", std::string("a = \"x\0y\"", 10), "1:7: invalid text in string: byte 0x00 is not UTF-8"},
  {"invalid_utf8_in_string", "a = \"caf\xc3\"", "1:9: invalid text in string: byte 0xc3 is not UTF-8"},
  {"invalid_utf8_in_interpolation", "a = \"${\xff}\"", "1:8: invalid text in string: byte 0xff is not UTF-8"},
  {"invalid_utf8_in_heredoc", "a = <<EOF\nok\n\xed\xa0\x80\nEOF\n", "3:1: invalid text in heredoc: byte 0xed is not UTF-8"},
  {"number_without_exponent_digits", "a = 1e+", "1:5: invalid number '1e+'"},
  {"hex_without_digits", "a = 0x", "1:5: invalid number '0x'"},
  {"bad_octal", "a = 089", "1:5: invalid octal number '089'"},
  {"too_deep_blocks", "", "1:515: nesting deeper than 128 levels"},
  {"too_deep_lists", "", "1:133: nesting deeper than 128 levels"},
};

std::string error_input(const error_case& c) {
  if (!c.input.empty()) return c.input;
  if (std::string(c.name) == "too_deep_blocks") {
    std::string s;
    for (int i = 0; i < 200; ++i) s += "a { ";
    return s;
  }
  return "a = " + std::string(200, '[');
}

class HclError : public ::testing::TestWithParam<error_case> {};

TEST_P(HclError, ReportsWhereAndWhat) {
  auto r = parse_hcl(error_input(GetParam()), "job.nomad");
  ASSERT_FALSE(r.ok()) << render(*r);
  EXPECT_EQ(r.error().kind, errc::invalid_input);
  EXPECT_EQ(r.error().what, "job.nomad");
  EXPECT_EQ(r.error().message, std::string("job.nomad:") + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Hcl, HclError, ::testing::ValuesIn(error_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(HclErrors, DeepButAllowedNestingParses) {
  std::string s = "a = " + std::string(128, '[') + std::string(128, ']');
  EXPECT_TRUE(parse_hcl(s, "job.nomad").ok());
}

TEST(HclErrors, HugeHostileNestingFailsWithoutCrashing) {
  std::string s;
  for (int i = 0; i < 100000; ++i) s += "a = [{";
  auto r = parse_hcl(s, "job.nomad");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nesting deeper than 128 levels"), std::string::npos);
}

} // namespace
} // namespace stevedore::policy
