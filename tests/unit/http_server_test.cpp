// The HTTP server over real loopback sockets: keep-alive, pipelining, streamed events read as
// they are sent, a client leaving mid-stream, the connection limit, limits and bad requests
// answered with OpenAI-style JSON errors, timeouts and shutdown.
#include "server/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "http_test_client.h"
#include "io/json_file.h"
#include "server/api_error.h"

namespace r1::server {
namespace {

using test::ClientResponse;
using test::HttpTestClient;
using namespace std::chrono_literals;

template <typename F>
bool wait_for(F condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Echoes method, path and body; /events streams three events, each after the client has
// acknowledged the previous one; /forever streams until the client is gone; /throw fails.
class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<HttpServer>(
        options, [this](const HttpRequest& r, ResponseWriter& w) { handle(r, w); });
    server_->start();
    ASSERT_GT(server_->port(), 0);
  }

  void handle(const HttpRequest& r, ResponseWriter& w) {
    if (r.path() == "/events") {
      w.begin_events();
      for (int i = 0; i < 3; ++i) {
        w.send_event("{\"i\": " + std::to_string(i) + "}");
        wait_for([&] { return acked_ > i || w.client_gone(); });
      }
      w.finish_events();
    } else if (r.path() == "/forever") {
      w.begin_events();
      while (w.send_event("{\"tick\": 1}")) std::this_thread::sleep_for(5ms);
      saw_gone_ = w.client_gone();
    } else if (r.path() == "/throw") {
      throw not_found("no model 'x'", "model", "model_not_found");
    } else {
      const Json echo = {{"method", r.method}, {"path", r.path()}, {"body", r.body}};
      w.respond(HttpResponse::json(200, echo.dump()));
    }
  }

  int port() const { return server_->port(); }

  std::unique_ptr<HttpServer> server_;
  std::atomic<int> acked_{0};
  std::atomic<bool> saw_gone_{false};
};

Json error_of(const ClientResponse& r) {
  return Json::parse(r.body).at("error");
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  start();
  HttpTestClient c(port());
  c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  ClientResponse r1 = c.read_response();
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r1.headers["connection"], "keep-alive");
  EXPECT_EQ(Json::parse(r1.body)["path"], "/a");
  c.send("POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  ClientResponse r2 = c.read_response();
  EXPECT_EQ(Json::parse(r2.body)["body"], "hello");
  // Between requests the connection waits in the poller, without a request thread.
  EXPECT_TRUE(wait_for([&] {
    return server_->counters().waiting == 1 && server_->active_connections() == 0;
  }));
}

TEST_F(HttpServerTest, PipelinedAndChunkedRequests) {
  start();
  HttpTestClient c(port());
  c.send(
      "GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\nGET /3 HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(Json::parse(c.read_response().body)["path"], "/1");
  EXPECT_EQ(Json::parse(c.read_response().body)["body"], "abc");
  ClientResponse last = c.read_response();
  EXPECT_EQ(Json::parse(last.body)["path"], "/3");
  EXPECT_EQ(last.headers["connection"], "close");
  EXPECT_TRUE(c.peer_closed(2000));
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimResponse) {
  start();
  HttpTestClient c(port());
  c.send("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(c.read_head(), "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("ok");
  EXPECT_EQ(Json::parse(c.read_response().body)["body"], "ok");
}

TEST_F(HttpServerTest, EventsArriveOneByOne) {
  start();
  HttpTestClient c(port());
  c.send("GET /events HTTP/1.1\r\n\r\n");
  const std::string head = c.read_head();
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    // Each event is readable before the handler may write the next one.
    const std::string chunk = c.read_until("\n\n\r\n");
    EXPECT_NE(chunk.find("data: {\"i\": " + std::to_string(i) + "}\n\n"), std::string::npos);
    acked_ = i + 1;
  }
  EXPECT_NE(c.read_until("0\r\n\r\n").find("data: [DONE]\n\n"), std::string::npos);
  c.send("GET /after HTTP/1.1\r\n\r\n");  // the stream ended cleanly: the connection is reusable
  EXPECT_EQ(Json::parse(c.read_response().body)["path"], "/after");
}

TEST_F(HttpServerTest, Http10EventStreamEndsByClose) {
  start();
  HttpTestClient c(port());
  acked_ = 3;
  c.send("GET /events HTTP/1.0\r\n\r\n");
  ClientResponse r = c.read_response();
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_EQ(r.headers.count("transfer-encoding"), 0u);
  EXPECT_NE(r.body.find("data: {\"i\": 2}\n\ndata: [DONE]\n\n"), std::string::npos);
}

TEST_F(HttpServerTest, HandlerSeesClientLeaveMidStream) {
  start();
  {
    HttpTestClient c(port());
    c.send("GET /forever HTTP/1.1\r\n\r\n");
    c.read_until("tick");
  }
  EXPECT_TRUE(wait_for([&] { return saw_gone_.load(); }));
  EXPECT_TRUE(wait_for([&] { return server_->active_connections() == 0; }));
}

TEST_F(HttpServerTest, OverTheRequestLimitIs503) {
  HttpServerOptions options;
  options.max_connections = 1;
  start(options);
  HttpTestClient idle(port());  // connections without a request in progress do not count
  auto first = std::make_unique<HttpTestClient>(port());
  first->send("GET /forever HTTP/1.1\r\n\r\n");
  first->read_until("tick");
  HttpTestClient second(port());
  second.send("GET /b HTTP/1.1\r\n\r\n");
  ClientResponse rejected = second.read_response();
  EXPECT_EQ(rejected.status, 503);
  EXPECT_EQ(rejected.headers["content-type"], "application/json");
  EXPECT_EQ(error_of(rejected)["code"], "server_overloaded");
  first.reset();
  ASSERT_TRUE(wait_for([&] { return server_->active_connections() == 0; }));
  HttpTestClient third(port());
  third.send("GET /c HTTP/1.1\r\n\r\n");
  EXPECT_EQ(third.read_response().status, 200);
}

TEST_F(HttpServerTest, OversizedBodyIs413JsonError) {
  HttpServerOptions options;
  options.limits.max_body_bytes = 1024;
  start(options);
  HttpTestClient c(port());
  c.send("POST /x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'a'));
  ClientResponse r = c.read_response();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_EQ(error_of(r)["type"], "invalid_request_error");
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("limit of 1024 bytes"),
            std::string::npos);
  EXPECT_TRUE(c.peer_closed(2000));
}

TEST_F(HttpServerTest, MalformedRequestsGetJsonErrors) {
  start();
  const std::pair<const char*, int> cases[] = {
      {"GARBAGE\r\n\r\n", 400},
      {"GET / HTTP/3.0\r\n\r\n", 505},
      {"POST / HTTP/1.1\r\n\r\n", 411},
  };
  for (const auto& [bytes, status] : cases) {
    HttpTestClient c(port());
    c.send(bytes);
    ClientResponse r = c.read_response();
    EXPECT_EQ(r.status, status) << bytes;
    EXPECT_TRUE(error_of(r)["message"].is_string());
  }
  HttpTestClient c(port());
  c.send("GET / HTTP/1.1\r\nX: " + std::string(20000, 'x') + "\r\n\r\n");
  EXPECT_EQ(c.read_response().status, 431);
}

TEST_F(HttpServerTest, HandlerErrorsBecomeResponses) {
  start();
  HttpTestClient c(port());
  c.send("GET /throw HTTP/1.1\r\n\r\n");
  ClientResponse r = c.read_response();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_of(r)["param"], "model");
  EXPECT_EQ(error_of(r)["code"], "model_not_found");
  c.send("GET /still-alive HTTP/1.1\r\n\r\n");
  EXPECT_EQ(c.read_response().status, 200);
}

TEST_F(HttpServerTest, SlowRequestTimesOutWith408) {
  HttpServerOptions options;
  options.head_timeout = 200ms;
  start(options);
  HttpTestClient c(port());
  c.send("GET / HTTP/1.1\r\nHost:");
  ClientResponse r = c.read_response();
  EXPECT_EQ(r.status, 408);
  HttpTestClient idle(port());  // an idle connection is closed without a response
  EXPECT_TRUE(idle.peer_closed(3000));
}

TEST_F(HttpServerTest, StopEndsStreamsAndIdleConnections) {
  start();
  HttpTestClient idle(port());
  HttpTestClient streaming(port());
  streaming.send("GET /forever HTTP/1.1\r\n\r\n");
  streaming.read_until("tick");
  const auto before = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
  EXPECT_TRUE(saw_gone_);
  EXPECT_TRUE(idle.peer_closed(1000));
}

TEST(HttpServer, BindFailureNamesTheAddress) {
  HttpServerOptions options;
  options.host = "203.0.113.1";  // TEST-NET-3: not an address of this machine
  options.port = 0;
  HttpServer server(options, [](const HttpRequest&, ResponseWriter&) {});
  try {
    server.start();
    ADD_FAILURE() << "bound to a foreign address";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("203.0.113.1:0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace r1::server
