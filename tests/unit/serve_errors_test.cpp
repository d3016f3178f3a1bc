// Bad input to the server, each answered with its status and an OpenAI-style error body (and
// the server still serving afterwards); the API key; `r1 serve` as a process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#include "serve_test_util.h"
#include "test_util.h"

namespace r1::test {
namespace {

struct Case {
  const char* what;
  std::string method, path, body;
  int status;
  const char* param;  // expected error.param, or nullptr for null
};

TEST(ServeErrors, BadInputGetsItsStatusAndAnErrorBody) {
  TestServer server({.parallel = 2, .max_queue = 4, .ctx = 64, .api_key = ""});
  const std::string chat = "/v1/chat/completions";
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "hello world ";
  const std::vector<Case> cases = {
      {"malformed JSON", "POST", chat, "{\"messages\": [", 400, nullptr},
      {"not an object", "POST", chat, "[1, 2]", 400, nullptr},
      {"messages of the wrong type", "POST", chat, R"({"messages": "hi"})", 400, "messages"},
      {"temperature of the wrong type", "POST", chat,
       R"({"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"})", 400,
       "temperature"},
      {"unknown model", "POST", chat,
       R"({"model": "gpt-9", "messages": [{"role": "user", "content": "hi"}]})", 404, "model"},
      {"prompt longer than the context", "POST", chat,
       R"({"messages": [{"role": "user", "content": ")" + long_text + "\"}]}", 400, "messages"},
      {"max_tokens beyond the context", "POST", chat,
       R"({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 60})", 400, "max_tokens"},
      {"n above the slots", "POST", chat,
       R"({"messages": [{"role": "user", "content": "hi"}], "n": 3})", 400, "n"},
      {"completion prompt longer than the context", "POST", "/v1/completions",
       R"({"prompt": ")" + long_text + "\"}", 400, "prompt"},
      {"oversized body", "POST", chat, std::string(80 * 1024, ' '), 413, nullptr},
      {"wrong method", "GET", chat, "", 405, nullptr},
      {"wrong method on /v1/models", "POST", "/v1/models", "{}", 405, nullptr},
      {"unknown path", "GET", "/v2/anything", "", 404, nullptr},
      {"unknown model by path", "GET", "/v1/models/other", "", 404, "model"},
  };
  for (const Case& c : cases) {
    const ClientResponse r = http_request(server.port(), c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    Json error;
    ASSERT_NO_THROW(error = Json::parse(r.body).at("error")) << c.what << ": " << r.body;
    EXPECT_TRUE(error["message"].is_string() && !error["message"].get<std::string>().empty())
        << c.what;
    EXPECT_TRUE(error["type"].is_string()) << c.what;
    if (c.param) {
      EXPECT_EQ(error["param"], c.param) << c.what << ": " << r.body;
    }
  }
  const ClientResponse ok = http_request(server.port(), "POST", chat,
                                         R"({"messages": [{"role": "user", "content": "hi"}],
                                             "max_tokens": 2})");
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST(ServeErrors, ApiKeyIsRequiredEverywhereButHealth) {
  TestServer server({.parallel = 4, .max_queue = 64, .ctx = 0, .api_key = "sk-test"});
  const std::string body = R"({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})";
  const ClientResponse missing = http_request(server.port(), "POST", "/v1/chat/completions", body);
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(Json::parse(missing.body)["error"]["type"], "authentication_error");
  EXPECT_EQ(http_request(server.port(), "POST", "/v1/chat/completions", body,
                         {"Authorization: Bearer sk-wrong"})
                .status,
            401);
  EXPECT_EQ(
      http_request(server.port(), "GET", "/v1/models", "", {"Authorization: Bearer sk-tes"}).status,
      401);
  EXPECT_EQ(http_request(server.port(), "POST", "/v1/chat/completions", body,
                         {"Authorization: Bearer sk-test"})
                .status,
            200);
  EXPECT_EQ(http_request(server.port(), "GET", "/health").status, 200);
  EXPECT_EQ(http_request(server.port(), "GET", "/metrics").status, 401);
}

// The key is checked as soon as a request's head is here: a client without it cannot make the
// server wait for (or buffer) a body. /metrics counts every status, those the HTTP layer sends
// itself included, and the connections.
TEST(ServeErrors, KeyIsCheckedBeforeTheBodyAndMetricsCountEveryStatus) {
  TestServer server({.parallel = 1, .max_queue = 4, .ctx = 0, .api_key = "sk-test"});
  const std::string key = "Authorization: Bearer sk-test";
  HttpTestClient unkeyed(server.port());
  unkeyed.send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 60000\r\n\r\n{");
  EXPECT_EQ(unkeyed.read_response().status, 401);
  EXPECT_EQ(http_request(server.port(), "GET", "/nowhere", "", {key}).status, 404);
  const ClientResponse tools = http_request(
      server.port(), "POST", "/v1/chat/completions",
      R"({"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function"}]})", {key});
  EXPECT_EQ(tools.status, 400);
  EXPECT_EQ(Json::parse(tools.body)["error"]["param"], "tools[0].function");
  EXPECT_EQ(http_request(server.port(), "POST", "/v1/completions", std::string(100000, ' '), {key})
                .status,
            413);
  // A connection's thread counts its response and leaves the busy set just after the client has
  // read the bytes, so a loaded machine may need a second look at /metrics.
  auto settled = [](const std::string& page, int metrics_requests) {
    for (int status : {400, 401, 404, 413})
      if (metric_value(page, "r1_http_responses_total{status=\"" + std::to_string(status) +
                                 "\"}") != 1)
        return false;
    return metric_value(page, "r1_http_parse_errors_total") == 1 &&
           metric_value(page, "r1_http_connections_accepted_total") == 4 + metrics_requests &&
           metric_value(page, "r1_http_connections_busy") == 1;  // the /metrics request itself
  };
  std::string page;
  int metrics_requests = 0;
  for (; metrics_requests < 50; std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    page = http_request(server.port(), "GET", "/metrics", "", {key}).body;
    if (settled(page, ++metrics_requests)) break;
  }
  EXPECT_TRUE(settled(page, metrics_requests)) << page;
}

TEST(ServeErrors, ChatPageLoadsWithoutTheKey) {
  TestServer server({.parallel = 1, .max_queue = 4, .ctx = 0, .api_key = "sk-test"});
  const ClientResponse page = http_request(server.port(), "GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_TRUE(page.body.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(page.body.find("/v1/chat/completions"), std::string::npos);
  EXPECT_NE(page.body.find("</html>"), std::string::npos);
  EXPECT_EQ(http_request(server.port(), "POST", "/").status, 405);
}

TEST(ServeErrors, QueueFullIs503) {
  TestServer server({.parallel = 1, .max_queue = 1, .ctx = 1024, .api_key = ""});
  const std::string busy = R"({"messages": [{"role": "user", "content": "story"}],
                               "max_tokens": 1000, "temperature": 0, "stream": true})";
  const std::string request =
      "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: " + std::to_string(busy.size()) +
      "\r\n\r\n" + busy;
  // a runs (greedy, it decodes all 1000 tokens without an end-of-sequence), then b waits.
  HttpTestClient a(server.port()), b(server.port());
  a.send(request);
  a.read_until("reasoning_content");
  b.send(request);
  for (int i = 0; i < 200; ++i) {
    if (metric_value(http_request(server.port(), "GET", "/metrics").body, "r1_queue_length") == 1)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const ClientResponse c = http_request(server.port(), "POST", "/v1/chat/completions", busy);
  EXPECT_EQ(c.status, 503) << c.body;
  EXPECT_EQ(Json::parse(c.body)["error"]["code"], "server_overloaded");
  EXPECT_EQ(c.headers.count("retry-after"), 1u);
}

// The file's text so far ("" before it exists).
std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ServeErrors, ServeCommandPrintsItsUrlAndStopsOnSigterm) {
  const std::string log = make_temp_dir("serve_cli") + "/out.txt", model = serve_model_dir();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(R1_BINARY, R1_BINARY, "serve", "--model", model.c_str(), "--port", "0", "--parallel", "2",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int port = 0;
  for (int i = 0; i < 500 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string out = read_text_file(log);
    const size_t at = out.find("http://127.0.0.1:");
    if (at != std::string::npos && out.find('/', at + 17) != std::string::npos)
      port = std::atoi(out.c_str() + at + 17);
  }
  ASSERT_GT(port, 0) << read_text_file(log);
  const ClientResponse r = http_request(port, "POST", "/v1/chat/completions",
                                        R"({"messages": [{"role": "user", "content": "hi"}],
                                            "max_tokens": 3, "stream": true})");
  EXPECT_EQ(r.status, 200) << r.body;
  bool done = false;
  sse_events(r.body, &done);
  EXPECT_TRUE(done);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text_file(log);
  EXPECT_NE(read_text_file(log).find("SIGTERM, stopping"), std::string::npos);
}

}  // namespace
}  // namespace r1::test
