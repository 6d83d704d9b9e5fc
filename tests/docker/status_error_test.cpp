// status_error: kind from the status, the daemon's {"message"} when it gave
// one, otherwise the raw body on one line, capped.
#include <gtest/gtest.h>

#include "docker/transport.hpp"

namespace stevedore::docker {
namespace {

struct status_case {
  const char* name;
  int status;
  std::string body;
  errc kind;
  std::string message;
};

const status_case cases[] = {
    {"not found with message", 404, R"({"message":"No such image: app:1"})", errc::not_found, "No such image: app:1"},
    {"conflict", 409, R"({"message":"Conflict. The container name \"/web\" is already in use"})", errc::conflict,
     "Conflict. The container name \"/web\" is already in use"},
    {"unauthorized", 401, R"({"message":"authentication required"})", errc::unauthorized, "authentication required"},
    {"forbidden", 403, R"({"message":"denied"})", errc::unauthorized, "denied"},
    {"server error", 500, R"({"message":"driver failed"})", errc::daemon_error, "driver failed"},
    {"bad request", 400, R"({"message":"invalid reference format"})", errc::daemon_error, "invalid reference format"},
    {"message with newlines is one line", 500, "{\"message\":\"line one\\nline two\\r\\n\"}", errc::daemon_error,
     "line one line two"},
    {"other fields before message", 404, R"({"cause":"x","message":"gone"})", errc::not_found, "gone"},
    {"empty body", 500, "", errc::daemon_error, "answered 500 Internal Server Error"},
    {"garbage body", 502, "<html>\r\n<h1>Bad Gateway</h1>\r\n</html>", errc::daemon_error,
     "answered 502 Bad Gateway: <html> <h1>Bad Gateway</h1> </html>"},
    {"json without message", 500, R"({"error":"x"})", errc::daemon_error, R"(answered 500 Internal Server Error: {"error":"x"})"},
    {"message not a string", 500, R"({"message":42})", errc::daemon_error,
     R"(answered 500 Internal Server Error: {"message":42})"},
    {"json array", 404, R"(["a"])", errc::not_found, R"(answered 404 Not Found: ["a"])"},
    {"truncated json", 500, R"({"message":"cut)", errc::daemon_error,
     R"(answered 500 Internal Server Error: {"message":"cut)"},
    {"unknown status", 555, "x", errc::daemon_error, "answered 555: x"},
    {"white space only", 503, " \n\t ", errc::daemon_error, "answered 503 Service Unavailable"},
};

class StatusError : public testing::TestWithParam<status_case> {};

TEST_P(StatusError, Maps) {
  const auto& c = GetParam();
  auto e = status_error("pull app:1", c.status, c.body);
  EXPECT_EQ(e.kind, c.kind);
  EXPECT_EQ(e.status, c.status);
  EXPECT_EQ(e.what, "pull app:1");
  EXPECT_EQ(e.message, c.message);
}

std::string case_name(const testing::TestParamInfo<status_case>& info) {
  std::string out;
  for (const char* p = info.param.name; *p; ++p)
    out += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, StatusError, testing::ValuesIn(cases), case_name);

TEST(StatusErrorCap, LongRawBodyIsCappedOnOneLine) {
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += "error line " + std::to_string(i) + "\n";
  auto e = status_error("x", 500, body);
  EXPECT_EQ(e.message.find('\n'), std::string::npos);
  EXPECT_LE(e.message.size(), std::string("answered 500 Internal Server Error: ").size() + 203);
  EXPECT_EQ(e.message.substr(e.message.size() - 3), "...");
}

TEST(StatusErrorCap, CapDoesNotSplitACharacter) {
  std::string body(199, 'a');
  body += "\xc3\xa9\xc3\xa9"; // é é across the cap
  auto e = status_error("x", 500, body);
  auto raw = e.message.substr(e.message.find(": ") + 2);
  EXPECT_EQ(raw, std::string(199, 'a') + "...");
}

} // namespace
} // namespace stevedore::docker
