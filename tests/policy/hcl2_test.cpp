// The HCL2 reader: expressions, templates, variables and locals, dynamic
// blocks, every function of the library (a table each), and the errors, one
// line naming what and where. Results are compared as canonical JSON.
#include "policy/hcl2.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "policy/hcl2_values.hpp"
#include "policy/rules.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

// The value of `x = <expression>` as JSON, or "error: <message>".
std::string eval(const std::string& expression, const hcl2_inputs& in = {},
                 const std::string& before = "") {
  auto tree = parse_hcl2(before + "x = " + expression + "\n", "t.hcl", in);
  if (!tree)
    return "error: " + tree.error().message;
  for (const auto& [k, v] : tree->fields)
    if (k == "x")
      return hcl2::encode_json(v);
  return "missing";
}

std::string error_of(const std::string& file, const hcl2_inputs& in = {}) {
  auto tree = parse_hcl2(file, "t.hcl", in);
  return tree ? "no error" : tree.error().message;
}

struct expr_case {
  const char* expression;
  const char* expected;
};

class hcl2_expressions : public ::testing::TestWithParam<expr_case> {};

TEST_P(hcl2_expressions, evaluate) {
  EXPECT_EQ(eval(GetParam().expression), GetParam().expected) << GetParam().expression;
}

INSTANTIATE_TEST_SUITE_P(
  all, hcl2_expressions,
  ::testing::Values(
    expr_case{"1 + 2 * 3", "7"}, expr_case{"(1 + 2) * 3", "9"}, expr_case{"7 / 2", "3.5"},
    expr_case{"7 % 3", "1"}, expr_case{"-3 + 1", "-2"}, expr_case{"10 - 4 - 3", "3"},
    expr_case{"1 < 2 && 2 <= 2", "true"}, expr_case{"3 > 4 || !false", "true"},
    expr_case{"1 == 1.0", "true"}, expr_case{"\"1\" == 1", "false"}, expr_case{"[1, 2] == [1, 2]", "true"},
    expr_case{"\"5\" + 1", "6"}, expr_case{"true ? \"a\" : \"b\"", "\"a\""},
    expr_case{"1 > 2 ? 1 : 2 > 1 ? 20 : 30", "20"},
    expr_case{"[for v in [1, 2, 3] : v * 2]", "[2,4,6]"},
    expr_case{"[for i, v in [\"a\", \"b\"] : \"${i}=${v}\"]", "[\"0=a\",\"1=b\"]"},
    expr_case{"[for v in [1, 2, 3, 4] : v if v % 2 == 0]", "[2,4]"},
    expr_case{"{for k, v in {a = 1, b = 2} : upper(k) => v + 1}", "{\"A\":2,\"B\":3}"},
    expr_case{"{for v in [\"a\", \"b\", \"a\"] : v => v...}", "{\"a\":[\"a\",\"a\"],\"b\":[\"b\"]}"},
    expr_case{"[{n = 1}, {n = 2}][*].n", "[1,2]"}, expr_case{"[{n = 1}, {n = 2}].*.n", "[1,2]"},
    expr_case{"{a = {b = [10, 20]}}.a.b[1]", "20"}, expr_case{"[10, 20].1", "20"},
    expr_case{"{\"k-1\" = 1, k2: 2}[\"k-1\"]", "1"},
    expr_case{"\"a${1 + 1}b\"", "\"a2b\""}, expr_case{"\"${2}\"", "2"},
    expr_case{"\"$${not} %%{this}\"", "\"${not} %{this}\""},
    expr_case{"\"%{ if true }yes%{ else }no%{ endif }\"", "\"yes\""},
    expr_case{"\"%{ for v in [1, 2] }<${v}>%{ endfor }\"", "\"<1><2>\""},
    expr_case{"\"a  ${~ \"b\" ~}   c\"", "\"abc\""},
    expr_case{"\"\\u00e9\\t\\\"q\\\"\"", "\"é\\t\\\"q\\\"\""},
    expr_case{"\"port ${NOMAD_PORT_http} on ${attr.unique.network.ip-address}\"",
              "\"port ${NOMAD_PORT_http} on ${attr.unique.network.ip-address}\""},
    expr_case{"\"${node.unique.name}-${meta.rack}\"", "\"${node.unique.name}-${meta.rack}\""},
    expr_case{"<<EOF\nline ${1 + 1}\n  two\nEOF", "\"line 2\\n  two\\n\""},
    expr_case{"<<-EOF\n    a\n      b\n    EOF", "\"a\\n  b\\n\""},
    expr_case{"null", "null"}, expr_case{"[]", "[]"}, expr_case{"{}", "{}"},
    expr_case{"[\n  1,\n  2,\n]", "[1,2]"}, expr_case{"{\n  a = 1\n  b = 2\n}", "{\"a\":1,\"b\":2}"},
    expr_case{"try(undefined_function(1), \"fallback\")", "\"fallback\""},
    expr_case{"can([][0])", "false"}, expr_case{"can([1][0])", "true"},
    expr_case{"max([3, 9, 4]...)", "9"}),
  [](const ::testing::TestParamInfo<expr_case>& info) { return "case" + std::to_string(info.index); });

// Every function of the library: each row calls one and names it first, so
// the test below can check that every function has a row.
const expr_case function_cases[] = {
  {"abs(-3)", "3"},
  {"alltrue([true, \"true\"])", "true"},
  {"anytrue([false, true])", "true"},
  {"base64decode(\"aGVsbG8=\")", "\"hello\""},
  {"base64encode(\"hello\")", "\"aGVsbG8=\""},
  {"can(tonumber(\"x\"))", "false"},
  {"ceil(1.2)", "2"},
  {"chomp(\"a\\n\\n\")", "\"a\""},
  {"chunklist([1, 2, 3], 2)", "[[1,2],[3]]"},
  {"coalesce(\"\", null, \"b\")", "\"b\""},
  {"coalescelist([], [1])", "[1]"},
  {"compact([\"a\", \"\", null, \"b\"])", "[\"a\",\"b\"]"},
  {"concat([1], [2, 3])", "[1,2,3]"},
  {"contains([\"a\", \"b\"], \"b\")", "true"},
  {"distinct([1, 2, 1])", "[1,2]"},
  {"element([\"a\", \"b\"], 3)", "\"b\""},
  {"endswith(\"redis:7\", \":7\")", "true"},
  {"file(\"conf.txt\")", "\"file conf.txt\""},
  {"flatten([[1], [2, [3]]])", "[1,2,3]"},
  {"floor(1.8)", "1"},
  {"format(\"%s-%03d %v %q %.2f %t %x %%\", \"a\", 7, 1.5, \"q\", 3.14159, true, 255)",
   "\"a-007 1.5 \\\"q\\\" 3.14 true ff %\""},
  {"formatlist(\"%s=%d\", [\"a\", \"b\"], [1, 2])", "[\"a=1\",\"b=2\"]"},
  {"indent(2, \"a\\nb\")", "\"a\\n  b\""},
  {"index([\"a\", \"b\"], \"b\")", "1"},
  {"join(\",\", [\"a\", \"b\"], [\"c\"])", "\"a,b,c\""},
  {"jsondecode(\"{\\\"a\\\": [1, true]}\")", "{\"a\":[1,true]}"},
  {"jsonencode({b = [1, \"x\"], a = null})", "\"{\\\"a\\\":null,\\\"b\\\":[1,\\\"x\\\"]}\""},
  {"keys({b = 1, a = 2})", "[\"a\",\"b\"]"},
  {"length(\"héllo\")", "5"},
  {"lookup({a = 1}, \"b\", 0)", "0"},
  {"lower(\"ABC\")", "\"abc\""},
  {"max(1, 5, 3)", "5"},
  {"merge({a = 1, b = 2}, {b = 3})", "{\"a\":1,\"b\":3}"},
  {"min(4, 2, 8)", "2"},
  {"one([\"x\"])", "\"x\""},
  {"parseint(\"ff\", 16)", "255"},
  {"pow(2, 10)", "1024"},
  {"range(1, 7, 2)", "[1,3,5]"},
  {"replace(\"a-b-c\", \"-\", \"_\")", "\"a_b_c\""},
  {"reverse([1, 2, 3])", "[3,2,1]"},
  {"signum(-4)", "-1"},
  {"slice([1, 2, 3, 4], 1, 3)", "[2,3]"},
  {"sort([\"b\", \"c\", \"a\"])", "[\"a\",\"b\",\"c\"]"},
  {"split(\",\", \"a,b,,c\")", "[\"a\",\"b\",\"\",\"c\"]"},
  {"startswith(\"redis:7\", \"redis\")", "true"},
  {"strrev(\"abc\")", "\"cba\""},
  {"substr(\"hello world\", -5, 3)", "\"wor\""},
  {"sum([1, 2, 3.5])", "6.5"},
  {"title(\"hello big world\")", "\"Hello Big World\""},
  {"tobool(\"true\")", "true"},
  {"tolist([1, 2])", "[1,2]"},
  {"tomap({a = \"b\"})", "{\"a\":\"b\"}"},
  {"tonumber(\"42\")", "42"},
  {"toset([\"a\", \"b\", \"a\"])", "[\"a\",\"b\"]"},
  {"tostring(12)", "\"12\""},
  {"trim(\"--a--\", \"-\")", "\"a\""},
  {"trimprefix(\"docker.io/redis\", \"docker.io/\")", "\"redis\""},
  {"trimspace(\"  a b \\n\")", "\"a b\""},
  {"trimsuffix(\"redis:7\", \":7\")", "\"redis\""},
  {"try(tonumber(\"x\"), 5)", "5"},
  {"upper(\"abc\")", "\"ABC\""},
  {"values({b = 1, a = 2})", "[2,1]"},
  {"zipmap([\"a\", \"b\"], [1, 2])", "{\"a\":1,\"b\":2}"},
};

TEST(hcl2_functions, every_function_gives_its_documented_result) {
  hcl2_inputs in;
  in.read_file = [](const std::string& path) -> result<std::string> { return "file " + path; };
  for (const auto& c : function_cases)
    EXPECT_EQ(eval(c.expression, in), c.expected) << c.expression;
}

TEST(hcl2_functions, every_function_of_the_library_has_a_row) {
  std::set<std::string> tested;
  for (const auto& c : function_cases) {
    std::string e = c.expression;
    tested.insert(e.substr(0, e.find('(')));
  }
  for (const auto& name : hcl2_function_names())
    EXPECT_TRUE(tested.count(name)) << name << " has no row in function_cases";
}

TEST(hcl2_functions, the_readme_lists_every_function) {
  std::ifstream in(std::string(STEVEDORE_PARSE_DATA_DIR) + "/../../../README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string readme = ss.str();
  auto start = readme.find("functions: `");
  ASSERT_NE(start, std::string::npos);
  std::string list = readme.substr(start + 12, readme.find('`', start + 12) - start - 12);
  for (auto& c : list)
    if (c == '\n')
      c = ' ';
  list = " " + list + " ";
  for (const auto& name : hcl2_function_names())
    EXPECT_NE(list.find(" " + name + " "), std::string::npos) << name << " is not in the README's list";
}

struct error_case {
  const char* name;
  std::string file;
  std::string error;
};

class hcl2_errors : public ::testing::TestWithParam<error_case> {};

TEST_P(hcl2_errors, in_one_line) {
  EXPECT_EQ(error_of(GetParam().file), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
  all, hcl2_errors,
  ::testing::Values(
    error_case{"unknown_function", "x = 1\ny = frobnicate(1)\n",
               "t.hcl:2:5: unknown function \"frobnicate\" (the README lists the functions job files may call)"},
    error_case{"unknown_variable", "x = foo + 1\n",
               "t.hcl:1:5: unknown variable \"foo\" (a job file refers to var.<name>, local.<name> and the "
               "iterators of for and dynamic; runtime values such as ${foo...} belong in a string)"},
    error_case{"undeclared_var", "x = var.nope\n", "t.hcl:1:9: no attribute \"nope\" in this object"},
    error_case{"no_local", "x = local.nope\n", "t.hcl:1:11: no local value \"nope\" is defined in a locals block"},
    error_case{"local_cycle", "locals {\n a = local.b\n b = local.a\n}\nx = local.a\n",
               "t.hcl:3:12: local.a refers to itself"},
    error_case{"division_by_zero", "x = 1 / 0\n", "t.hcl:1:9: division by zero"},
    error_case{"not_a_number", "x = \"a\" * 2\n", "t.hcl:1:5: operand of '*': a number is required, got \"a\""},
    error_case{"index_out_of_range", "x = [1][3]\n", "t.hcl:1:8: index 3 is out of range for a list of 1 elements"},
    error_case{"unclosed_if", "x = \"%{ if true }a\"\n", "t.hcl:1:6: %{ if } is not closed by %{ endif }"},
    error_case{"unclosed_string", "x = \"abc\n", "t.hcl:1:9: unterminated string: no closing '\"' before end of line"},
    error_case{"unclosed_block", "job \"a\" {\n", "t.hcl:2:1: a block is not closed: expected '}' before end of file"},
    error_case{"two_attributes_on_a_line", "x = 1 y = 2\n", "t.hcl:1:7: expected a newline after the attribute, found 'y'"},
    error_case{"bad_escape", "x = \"\\q\"\n", "t.hcl:1:6: invalid escape sequence '\\q' in string"},
    error_case{"format_arguments", "x = format(\"%s %s\", 1)\n", "t.hcl:1:5: format(): not enough arguments for the format"},
    error_case{"range_too_long", "x = range(5000)\n", "t.hcl:1:5: range(): more than 1024 elements"},
    error_case{"list_in_template", "x = \"a${[1]}\"\n", "t.hcl:1:7: interpolation: a string is required, got list"},
    error_case{"deep_nesting", "x = " + std::string(300, '[') + std::string(300, ']') + "\n",
               "t.hcl:1:47: nesting deeper than 128 levels"},
    error_case{"runaway_loop",
               "x = [for a in range(1000) : [for b in range(1000) : [for c in range(10) : c]]]\n",
               "t.hcl:1:75: the job file's expressions take too many steps to evaluate"},
    error_case{"regex_replace", "x = replace(\"a\", \"/a/\", \"b\")\n",
               "t.hcl:1:5: replace(): regular expressions (\"/.../\") are not supported; give the text to replace"}),
  [](const ::testing::TestParamInfo<error_case>& info) { return std::string(info.param.name); });

// ---- variables -------------------------------------------------------------------

const std::string declarations = R"(variable "image" {
  type        = string
  default     = "redis:7"
  description = "the image"
}
variable "count" {
  type    = number
  default = 1
  validation {
    condition     = var.count > 0 && var.count < 10
    error_message = "count must be between 1 and 9."
  }
}
variable "tags" {
  type    = list(string)
  default = []
}
)";

TEST(hcl2_variables, defaults_then_env_then_files_then_flags) {
  EXPECT_EQ(eval("[var.image, var.count, var.tags]", {}, declarations), R"(["redis:7",1,[]])");
  hcl2_inputs in;
  in.env = {{"image", "from-env:1"}, {"count", "2"}, {"unrelated", "ignored"}};
  EXPECT_EQ(eval("[var.image, var.count]", in, declarations), R"(["from-env:1",2])");
  in.var_files = {{"a.vars", "image = \"from-file:1\"\ntags = [\"x\"]\n"}};
  EXPECT_EQ(eval("[var.image, var.count, var.tags]", in, declarations), R"(["from-file:1",2,["x"]])");
  in.vars = {{"image", "from-flag:1"}, {"tags", "[\"a\", \"b\"]"}, {"count", "3"}};
  EXPECT_EQ(eval("[var.image, var.count, var.tags]", in, declarations), R"(["from-flag:1",3,["a","b"]])");
}

TEST(hcl2_variables, json_var_files_and_a_variables_block) {
  hcl2_inputs in;
  in.var_files = {{"a.json", R"({"image": "nginx:1.19", "tags": ["testing", "internal"]})"}};
  EXPECT_EQ(eval("[var.image, var.tags]", in, declarations), R"(["nginx:1.19",["testing","internal"]])");
  in.var_files = {{"b.json", "{\"image\": }"}};
  auto e = error_of(declarations, in);
  EXPECT_EQ(e.rfind("b.json:1:", 0), 0u) << e;
  EXPECT_EQ(eval("[var.foo, var.my_secret]", {}, "variables {\n  foo = \"value\"\n  my_secret = \"foo\"\n}\n"),
            R"(["value","foo"])");
}

TEST(hcl2_variables, locals_see_variables_and_each_other) {
  std::string file = declarations + "locals {\n  name = \"${local.prefix}-${var.count}\"\n  prefix = upper(\"web\")\n}\n";
  EXPECT_EQ(eval("local.name", {}, file), "\"WEB-1\"");
}

TEST(hcl2_variables, problems_name_the_variable_and_the_source) {
  hcl2_inputs in;
  in.vars = {{"count", "20"}};
  EXPECT_EQ(error_of(declarations + "x = 1\n", in), "t.hcl:10:21: variable \"count\": count must be between 1 and 9.");
  in.vars = {{"count", "many"}};
  EXPECT_EQ(error_of(declarations, in), "t.hcl: -var count: a number is required, got \"many\"");
  in.vars = {{"nope", "1"}};
  EXPECT_EQ(error_of(declarations, in), "t.hcl: -var nope: no variable \"nope\" is declared in the job file");
  in.vars = {};
  in.var_files = {{"bad.vars", "image = \n"}};
  EXPECT_EQ(error_of(declarations, in), "bad.vars:1:9: expected a value, found end of line");
  EXPECT_EQ(error_of("variable \"needed\" {}\n"),
            "t.hcl:1:1: variable \"needed\" has no value: give it a default, or set it with "
            "-var needed=..., -var-file or NOMAD_VAR_needed");
  EXPECT_EQ(error_of("variable \"a\" {\n  default = var.b\n}\n"),
            "t.hcl:2:13: a variable's default or validation cannot refer to other variables");
}

TEST(hcl2_variables, var_argument_is_name_equals_value) {
  auto ok = parse_var_argument("image=redis:7=x");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->first, "image");
  EXPECT_EQ(ok->second, "redis:7=x");
  EXPECT_FALSE(parse_var_argument("image"));
  EXPECT_FALSE(parse_var_argument("=x"));
}

// ---- dynamic blocks and the job decoder ----------------------------------------

TEST(hcl2_job, a_job_with_variables_locals_dynamic_and_functions_decodes) {
  const std::string job = R"(variable "ports" {
  type    = map(number)
  default = { http = 8080, metrics = 9100 }
}
variable "dc" {
  default = "dc1"
}
locals {
  image = format("%s:%s", "redis", "7")
  env   = { for k, v in var.ports : "PORT_${upper(k)}" => tostring(v) }
}
job "web" {
  datacenters = [var.dc]
  group "g" {
    count = length(var.ports) - 1
    network {
      dynamic "port" {
        for_each = var.ports
        labels   = [port.key]
        content {
          to = port.value
        }
      }
    }
    task "t" {
      driver = "docker"
      config {
        image = local.image
        ports = keys(var.ports)
        args  = ["--bind", "${NOMAD_PORT_http}", "--dc=${var.dc}"]
      }
      env = merge(local.env, { EXTRA = "1" })
      template {
        data = <<-EOT
          {{ env "NOMAD_ALLOC_ID" }}
        EOT
        destination = "local/x"
      }
    }
  }
}
)";
  hcl2_inputs in;
  in.vars = {{"dc", "dc7"}};
  auto r = read_job(job, "web.nomad", in);
  ASSERT_TRUE(r.ok()) << r.problems.front().message;
  const auto& g = r.value.groups.at(0);
  EXPECT_EQ(r.value.datacenters, std::vector<std::string>{"dc7"});
  EXPECT_EQ(g.count, 1);
  ASSERT_EQ(g.network.ports.size(), 2u);
  EXPECT_EQ(g.network.ports[0].label, "http");
  EXPECT_EQ(g.network.ports[0].to, 8080);
  EXPECT_EQ(g.network.ports[1].to, 9100);
  const auto& t = g.tasks.at(0);
  EXPECT_EQ(t.config.image, "redis:7");
  EXPECT_EQ(t.config.ports, (std::vector<std::string>{"http", "metrics"}));
  EXPECT_EQ(t.config.args, (std::vector<std::string>{"--bind", "${NOMAD_PORT_http}", "--dc=dc7"}));
  EXPECT_EQ(t.env, (string_map{{"EXTRA", "1"}, {"PORT_HTTP", "8080"}, {"PORT_METRICS", "9100"}}));
}

TEST(hcl2_job, an_hcl1_file_that_hcl2_reads_too_is_read_as_before) {
  // `count = 1 + 1` is HCL2 only: HCL1 refuses it, HCL2 reads it.
  auto r = read_job("job \"j\" {\n  group \"g\" {\n    count = 1 + 1\n    task \"t\" {\n"
                    "      driver = \"docker\"\n      config { image = \"redis:7\" }\n    }\n  }\n}\n",
                    "j.nomad");
  ASSERT_TRUE(r.ok()) << r.problems.front().message;
  EXPECT_EQ(r.value.groups.at(0).count, 2);
  // A file neither reads keeps HCL1's message.
  auto bad = read_job("job \"j\" {\n  group = \n", "j.nomad");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_EQ(bad.problems[0].message, "j.nomad:3:1: expected a value for 'group', found end of file");
}

TEST(hcl2_job, looks_like_hcl2_markers) {
  EXPECT_TRUE(looks_like_hcl2("variable \"x\" {}\n"));
  EXPECT_TRUE(looks_like_hcl2("job \"j\" { count = var.n }"));
  EXPECT_TRUE(looks_like_hcl2("x = \"%{ if true }a%{ endif }\""));
  EXPECT_FALSE(looks_like_hcl2("job \"j\" { meta { my.var.x = \"1\" } }"));
  EXPECT_FALSE(looks_like_hcl2("job \"j\" { env { A = \"${NOMAD_PORT_http}\" } }"));
  EXPECT_TRUE(looks_like_hcl2("locals {\n a = 1\n}\n"));
  EXPECT_TRUE(looks_like_hcl2("variables{\n a = 1\n}\n"));
  EXPECT_TRUE(looks_like_hcl2("job \"j\" {\n  group \"g\" {\n    dynamic \"port\" {\n"));
  EXPECT_FALSE(looks_like_hcl2("# the locals of this job\njob \"j\" { meta { locals = \"x\" } }"));
  EXPECT_FALSE(looks_like_hcl2("job \"j\" { meta { variables = \"x\" } }"));
}

} // namespace
